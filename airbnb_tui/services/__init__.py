"""Operations shared by the dashboard, the CLI and the worker: no logic lives in one UI only."""

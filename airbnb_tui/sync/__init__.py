"""The sync engine: window planning, per-listing runs, job bookkeeping, cancellation."""

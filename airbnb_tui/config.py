"""Settings: one object, read from ``AIRBNB_TUI_*`` env vars, then the TOML file, then defaults.

Command-line flags are applied on top by the caller (``Settings(**overrides)``), so they win over
both. The names of the environment variables are a contract with deployments; see README.md.
"""

from __future__ import annotations

import math
import os
import random
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

from pydantic import BeforeValidator, Field, PlainSerializer, model_validator
from pydantic_settings import (
    BaseSettings,
    NoDecode,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from airbnb_tui.locations import default_config_file, default_data_dir

DEFAULT_API_KEY = "d306zoyjsyarp7ifhu67rjxn52tv0t20"
MAX_DAYS_AHEAD = 182
# The longest any duration setting may be: "inf", "nan" or 1e300 would pass a bare ``ge=0`` and
# then crash the worker with OverflowError where it waits (threading caps waits near 292 years).
MAX_SECONDS = 7 * 24 * 3600.0


@dataclass(frozen=True)
class SecondsRange:
    """A random wait drawn uniformly from ``low``..``high`` seconds; ``0`` turns it off."""

    low: float
    high: float

    @classmethod
    def parse(cls, value: object) -> SecondsRange:
        if isinstance(value, SecondsRange):
            return value
        if isinstance(value, int | float):
            return cls._checked(float(value), float(value))
        if isinstance(value, list | tuple) and len(value) == 2:
            return cls._checked(float(value[0]), float(value[1]))
        if not isinstance(value, str):
            raise ValueError("expected seconds like '5-10' or '0'")
        text = value.strip()
        low_text, sep, high_text = text.partition("-")
        try:
            low = float(low_text)
            high = float(high_text) if sep else low
        except ValueError:
            raise ValueError(f"expected seconds like '5-10' or '0', got {text!r}") from None
        return cls._checked(low, high)

    @classmethod
    def _checked(cls, low: float, high: float) -> SecondsRange:
        if not (math.isfinite(low) and math.isfinite(high)) or high > MAX_SECONDS:
            raise ValueError(f"a seconds range needs numbers of seconds up to {MAX_SECONDS:g}")
        if low < 0 or high < low:
            raise ValueError("a seconds range needs 0 <= low <= high")
        return cls(low, high)

    @property
    def enabled(self) -> bool:
        return self.high > 0

    def draw(self, rng: random.Random | None = None) -> float:
        return (rng or random).uniform(self.low, self.high)

    def __str__(self) -> str:
        if self.low == self.high:
            return f"{self.low:g}"
        return f"{self.low:g}-{self.high:g}"


Seconds = Annotated[
    SecondsRange,
    NoDecode,
    BeforeValidator(SecondsRange.parse),
    PlainSerializer(str, return_type=str),
]


def _config_file() -> Path:
    override = os.environ.get("AIRBNB_TUI_CONFIG_FILE")
    return Path(override) if override else default_config_file()


class Settings(BaseSettings):
    """Every knob of airbnb-tui. Field names map to ``AIRBNB_TUI_<NAME>`` env vars."""

    model_config = SettingsConfigDict(
        env_prefix="AIRBNB_TUI_",
        extra="ignore",
        frozen=True,
        arbitrary_types_allowed=True,
    )

    data_dir: Path = Field(default_factory=default_data_dir)
    database_url: str = ""
    queue_url: str = ""
    airbnb_base_url: str = "https://www.airbnb.com"
    airbnb_api_key: str = DEFAULT_API_KEY
    requests_per_minute: int = Field(default=8, ge=1, le=100_000)
    request_jitter_seconds: Seconds = SecondsRange(5, 10)
    listing_pause_seconds: Seconds = SecondsRange(15, 30)
    max_attempts: int = Field(default=5, ge=1, le=50)
    retry_base_seconds: float = Field(default=1.0, ge=0, le=MAX_SECONDS)
    retry_max_seconds: float = Field(default=60.0, ge=0, le=MAX_SECONDS)
    retry_total_seconds: float = Field(default=300.0, ge=0, le=MAX_SECONDS)
    request_timeout_seconds: float = Field(default=30.0, gt=0, le=MAX_SECONDS)
    first_run_lookback_weeks: int = Field(default=25, ge=0, le=520)
    lookback_weeks: int = Field(default=1, ge=0, le=520)
    lookahead_weeks: int = Field(default=25, ge=0, le=26)
    sync_hour_utc: int = Field(default=5, ge=0, le=23)
    sync_minute_utc: int = Field(default=0, ge=0, le=59)
    shutdown_grace_seconds: float = Field(default=120.0, ge=0, le=MAX_SECONDS)
    heartbeat_stale_seconds: float = Field(default=60.0, gt=0, le=MAX_SECONDS)
    heartbeat_interval_seconds: float = Field(default=5.0, gt=0, le=MAX_SECONDS)
    secret_key: str | None = None
    rate_limit_url: str = ""
    queue_name: str = "airbnb-tui"
    worker_threads: int = Field(default=2, ge=1, le=64)
    chart_conversion_rate: bool = False

    @model_validator(mode="after")
    def _check_lookahead(self) -> Settings:
        if self.lookahead_weeks * 7 > MAX_DAYS_AHEAD:
            raise ValueError(
                f"lookahead_weeks={self.lookahead_weeks} reaches past Airbnb's limit of "
                f"{MAX_DAYS_AHEAD} days ahead; use 26 or fewer"
            )
        return self

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        toml = TomlConfigSettingsSource(settings_cls, toml_file=_config_file())
        return (init_settings, env_settings, toml)

    # Derived locations --------------------------------------------------------------------------

    @property
    def is_default_database(self) -> bool:
        """True for the embedded SQLite default, which migrates itself on first use."""
        return not self.database_url

    @property
    def effective_database_url(self) -> str:
        return self.database_url or f"sqlite:///{self.data_dir / 'airbnb.db'}"

    @property
    def effective_queue_url(self) -> str:
        return self.queue_url or f"sqlite:///{self.data_dir / 'queue.db'}"

    @property
    def key_file(self) -> Path:
        return self.data_dir / "secret.key"

    @property
    def log_file(self) -> Path:
        return self.data_dir / "airbnb-tui.log"

    def with_overrides(self, **overrides: Any) -> Settings:
        """A copy with command-line flags applied on top (flags win over env and file)."""
        clean = {k: v for k, v in overrides.items() if v is not None}
        if not clean:
            return self
        return type(self).model_validate({**self.model_dump(), **clean})


def load_settings(**overrides: Any) -> Settings:
    """Read settings from the environment and the TOML file, flags in ``overrides`` winning."""
    clean = {k: v for k, v in overrides.items() if v is not None}
    return Settings(**clean)

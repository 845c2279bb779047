"""Faults the sandbox can inject, and the seeded plan that decides when they fire.

A :class:`Fault` fires for "the next N" matching requests (``next_n``), then with probability
``rate`` (drawn from the plan's seeded RNG, so a run with the same seed and the same request order
fails the same way). Faults are global, per account or per listing; a listing's faults are checked
first, then the account's, then the global ones. ``slow`` only adds delay, every other kind ends the
request. Credential expiry and cookie rotation are account-level behaviours of the same plan.
"""

from __future__ import annotations

import random
import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class FaultKind(StrEnum):
    RATE_LIMIT = "rate_limit"
    SERVER_ERROR = "server_error"
    SLOW = "slow"
    TIMEOUT = "timeout"
    BOT_WALL = "bot_wall"
    MALFORMED = "malformed"


class AuthFailure(StrEnum):
    """How the sandbox says "these credentials are no good" (Airbnb uses all of these)."""

    HTTP_401 = "401"
    HTTP_403 = "403"
    ERRORS = "errors"  # HTTP 200, errors[].extensions.errorType == "authentication_required"
    NULL_COMPONENTS = "null"  # HTTP 200, data.porygon.getPerformanceComponents == null


SERVER_ERROR_STATUSES = (500, 502, 503)
BOT_WALL_STATUSES = (200, 403)


@dataclass(frozen=True)
class Fault:
    """One kind of failure and when it fires. Build with the classmethods."""

    kind: FaultKind
    rate: float = 0.0
    next_n: int = 0
    status: int | None = None
    retry_after: float | None = None
    http_date: bool = False
    delay: float = 0.0

    def __post_init__(self) -> None:
        if not 0.0 <= self.rate <= 1.0:
            raise ValueError("a fault rate is a probability between 0 and 1")
        if self.next_n < 0 or self.delay < 0:
            raise ValueError("next_n and delay cannot be negative")
        if self.kind is FaultKind.SERVER_ERROR and self.status not in SERVER_ERROR_STATUSES:
            raise ValueError(f"a server error fault needs a status in {SERVER_ERROR_STATUSES}")
        if self.kind is FaultKind.BOT_WALL and self.status not in BOT_WALL_STATUSES:
            raise ValueError(f"a bot wall fault needs a status in {BOT_WALL_STATUSES}")

    @classmethod
    def rate_limit(
        cls,
        rate: float = 0.0,
        *,
        next_n: int = 0,
        retry_after: float | None = 1.0,
        http_date: bool = False,
    ) -> Fault:
        """HTTP 429 with ``Retry-After`` in seconds (or as an HTTP date; None: no header)."""
        return cls(FaultKind.RATE_LIMIT, rate, next_n, 429, retry_after, http_date)

    @classmethod
    def server_error(cls, rate: float = 0.0, *, next_n: int = 0, status: int = 503) -> Fault:
        return cls(FaultKind.SERVER_ERROR, rate, next_n, status)

    @classmethod
    def slow(cls, delay: float, rate: float | None = None, *, next_n: int = 0) -> Fault:
        """Answer normally, ``delay`` seconds late: every request unless a rate or next_n is
        given."""
        if rate is None:
            rate = 0.0 if next_n else 1.0
        return cls(FaultKind.SLOW, rate, next_n, delay=delay)

    @classmethod
    def timeout(cls, rate: float = 0.0, *, next_n: int = 0, delay: float = 35.0) -> Fault:
        """Wait ``delay`` seconds, then drop the connection without answering (0: at once)."""
        return cls(FaultKind.TIMEOUT, rate, next_n, delay=delay)

    @classmethod
    def bot_wall(cls, rate: float = 0.0, *, next_n: int = 0, status: int = 403) -> Fault:
        """An HTML captcha page instead of JSON, with status 200 or 403."""
        return cls(FaultKind.BOT_WALL, rate, next_n, status)

    @classmethod
    def malformed(cls, rate: float = 0.0, *, next_n: int = 0) -> Fault:
        """HTTP 200 with the JSON body cut off halfway."""
        return cls(FaultKind.MALFORMED, rate, next_n)

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind.value,
            "rate": self.rate,
            "next_n": self.next_n,
            "status": self.status,
            "retry_after": self.retry_after,
            "http_date": self.http_date,
            "delay": self.delay,
        }

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any]) -> Fault:
        kind = FaultKind(raw["kind"])
        status = raw.get("status")
        if status is None:
            status = {
                FaultKind.RATE_LIMIT: 429,
                FaultKind.SERVER_ERROR: 503,
                FaultKind.BOT_WALL: 403,
            }.get(kind)
        retry_after = raw.get("retry_after", 1.0 if kind is FaultKind.RATE_LIMIT else None)
        return cls(
            kind=kind,
            rate=float(raw.get("rate", 0.0)),
            next_n=int(raw.get("next_n", 0)),
            status=None if status is None else int(status),
            retry_after=None if retry_after is None else float(retry_after),
            http_date=bool(raw.get("http_date", False)),
            delay=float(raw.get("delay", 0.0)),
        )


@dataclass(frozen=True)
class Expiry:
    """Credentials of ``account_id`` (None: every account) stop working after ``after`` requests."""

    after: int
    mode: AuthFailure = AuthFailure.HTTP_401
    account_id: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"after": self.after, "mode": self.mode.value, "account_id": self.account_id}

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any]) -> Expiry:
        account = raw.get("account_id")
        return cls(
            after=int(raw["after"]),
            mode=AuthFailure(str(raw.get("mode", AuthFailure.HTTP_401.value))),
            account_id=None if account is None else str(account),
        )


@dataclass(frozen=True)
class FaultConfig:
    """Every fault setting at once; replacing it resets "next N" counters and expiry counts."""

    faults: tuple[Fault, ...] = ()
    listing_faults: Mapping[str, tuple[Fault, ...]] = field(default_factory=dict)
    account_faults: Mapping[str, tuple[Fault, ...]] = field(default_factory=dict)
    expiries: tuple[Expiry, ...] = ()
    rotate_every: int | None = None
    seed: int = 0

    @classmethod
    def of(
        cls,
        *faults: Fault,
        listing_faults: Mapping[str, Sequence[Fault]] | None = None,
        account_faults: Mapping[str, Sequence[Fault]] | None = None,
        expiries: Sequence[Expiry] = (),
        rotate_every: int | None = None,
        seed: int = 0,
    ) -> FaultConfig:
        """A config from loose arguments: ``faults`` are global, the mappings per id."""
        return cls(
            faults=tuple(faults),
            listing_faults={k: tuple(v) for k, v in (listing_faults or {}).items()},
            account_faults={k: tuple(v) for k, v in (account_faults or {}).items()},
            expiries=tuple(expiries),
            rotate_every=rotate_every,
            seed=seed,
        )

    @classmethod
    def parse(cls, options: Mapping[str, Any]) -> FaultConfig:
        """A config from flat options named like the ``airbnb-tui sandbox`` flags, e.g.
        ``{"server_error_rate": 0.3, "retry_after": 2}``; a :meth:`to_dict` form is accepted too.
        Unknown names are refused, so a typo never silently turns a fault off."""
        if set(options) & {"faults", "listing_faults", "account_faults", "expiries"}:
            return cls.from_dict(options)
        unknown = set(options) - _FLAT_OPTIONS
        if unknown:
            raise ValueError(f"unknown fault options: {', '.join(sorted(unknown))}")

        def get(name: str, default: Any = None) -> Any:
            value = options.get(name)
            return default if value is None else value

        faults: list[Fault] = []
        if get("slow", 0):
            faults.append(Fault.slow(float(get("slow"))))
        if get("rate_limit_rate", 0):
            faults.append(
                Fault.rate_limit(
                    float(get("rate_limit_rate")),
                    retry_after=float(get("retry_after", 1.0)),
                    http_date=bool(get("retry_after_http_date", False)),
                )
            )
        if get("server_error_rate", 0):
            status = int(get("server_error_status", 503))
            faults.append(Fault.server_error(float(get("server_error_rate")), status=status))
        if get("timeout_rate", 0):
            delay = float(get("timeout_seconds", 35.0))
            faults.append(Fault.timeout(float(get("timeout_rate")), delay=delay))
        if get("bot_wall_rate", 0):
            status = int(get("bot_wall_status", 403))
            faults.append(Fault.bot_wall(float(get("bot_wall_rate")), status=status))
        if get("malformed_rate", 0):
            faults.append(Fault.malformed(float(get("malformed_rate"))))
        expiries: tuple[Expiry, ...] = ()
        if get("expire_after") is not None:
            mode = AuthFailure(str(get("expire_mode", AuthFailure.HTTP_401.value)))
            expiries = (Expiry(int(get("expire_after")), mode),)
        rotate = get("rotate_every")
        return cls.of(
            *faults,
            expiries=expiries,
            rotate_every=None if rotate is None else int(rotate),
            seed=int(get("seed", 0)),
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "faults": [f.to_dict() for f in self.faults],
            "listing_faults": {k: [f.to_dict() for f in v] for k, v in self.listing_faults.items()},
            "account_faults": {k: [f.to_dict() for f in v] for k, v in self.account_faults.items()},
            "expiries": [e.to_dict() for e in self.expiries],
            "rotate_every": self.rotate_every,
            "seed": self.seed,
        }

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any]) -> FaultConfig:
        def faults(items: Iterable[Mapping[str, Any]]) -> tuple[Fault, ...]:
            return tuple(Fault.from_dict(item) for item in items)

        rotate = raw.get("rotate_every")
        return cls(
            faults=faults(raw.get("faults", ())),
            listing_faults={str(k): faults(v) for k, v in raw.get("listing_faults", {}).items()},
            account_faults={str(k): faults(v) for k, v in raw.get("account_faults", {}).items()},
            expiries=tuple(Expiry.from_dict(e) for e in raw.get("expiries", ())),
            rotate_every=None if rotate is None else int(rotate),
            seed=int(raw.get("seed", 0)),
        )


_FLAT_OPTIONS = frozenset(
    {
        "slow",
        "rate_limit_rate",
        "retry_after",
        "retry_after_http_date",
        "server_error_rate",
        "server_error_status",
        "timeout_rate",
        "timeout_seconds",
        "bot_wall_rate",
        "bot_wall_status",
        "malformed_rate",
        "expire_after",
        "expire_mode",
        "rotate_every",
        "seed",
    }
)


@dataclass(frozen=True)
class Decision:
    """What the plan decided for one request: extra delay, and at most one failure."""

    delay: float = 0.0
    fault: Fault | None = None


class _Rule:
    """A fault plus its remaining "next N" budget."""

    def __init__(self, fault: Fault) -> None:
        self.fault = fault
        self.remaining = fault.next_n

    def fires(self, rng: random.Random) -> bool:
        if self.remaining > 0:
            self.remaining -= 1
            return True
        return self.fault.rate > 0 and rng.random() < self.fault.rate


class FaultPlan:
    """The live, thread-safe state behind a :class:`FaultConfig`."""

    def __init__(self, config: FaultConfig | None = None) -> None:
        self._lock = threading.Lock()
        self._config = FaultConfig()
        self._rng = random.Random(0)
        self._global: list[_Rule] = []
        self._by_listing: dict[str, list[_Rule]] = {}
        self._by_account: dict[str, list[_Rule]] = {}
        self._auth_counts: dict[str, int] = {}
        self._served: dict[str, int] = {}
        self.configure(config or FaultConfig())

    @property
    def config(self) -> FaultConfig:
        with self._lock:
            return self._config

    def configure(self, config: FaultConfig) -> None:
        """Replace every fault setting; counters of the previous setting are forgotten."""
        with self._lock:
            self._config = config
            self._rng = random.Random(config.seed)
            self._global = [_Rule(f) for f in config.faults]
            self._by_listing = {k: [_Rule(f) for f in v] for k, v in config.listing_faults.items()}
            self._by_account = {k: [_Rule(f) for f in v] for k, v in config.account_faults.items()}
            self._auth_counts = {}
            self._served = {}

    def decide(self, account_id: str | None, listing_ids: Sequence[str]) -> Decision:
        """Roll the dice for one API request. Rules are tried listing, account, global; slow
        rules add their delay and the first other rule that fires decides (later rules keep
        their "next N" budget and draw no random number)."""
        rules: list[_Rule] = []
        with self._lock:
            for listing_id in listing_ids:
                rules.extend(self._by_listing.get(listing_id, ()))
            if account_id is not None:
                rules.extend(self._by_account.get(account_id, ()))
            rules.extend(self._global)
            delay = 0.0
            for rule in rules:
                if rule.fault.kind is FaultKind.SLOW:
                    if rule.fires(self._rng):
                        delay += rule.fault.delay
                elif rule.fires(self._rng):
                    return Decision(delay, rule.fault)
            return Decision(delay, None)

    def authenticated(self, account_id: str) -> AuthFailure | None:
        """Count one authenticated request; the failure mode once the account's cookie expired."""
        with self._lock:
            count = self._auth_counts.get(account_id, 0) + 1
            self._auth_counts[account_id] = count
            for expiry in self._config.expiries:
                if expiry.account_id in (None, account_id) and count > expiry.after:
                    return expiry.mode
            return None

    def served(self, account_id: str) -> int | None:
        """Count one successful answer; the rotation number when a new cookie is due."""
        with self._lock:
            every = self._config.rotate_every
            count = self._served.get(account_id, 0) + 1
            self._served[account_id] = count
            if every and count % every == 0:
                return count // every
            return None

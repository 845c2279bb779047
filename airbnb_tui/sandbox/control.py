"""A client for the sandbox's ``/_sandbox/`` control API, for tests whose sandbox runs in another
process (``airbnb-tui sandbox``, or a fixture's subprocess) and is reached only over HTTP."""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from typing import Any

import requests

from airbnb_tui.sandbox.accounts import SandboxAccount
from airbnb_tui.sandbox.counters import SandboxStats
from airbnb_tui.sandbox.faults import Expiry, Fault, FaultConfig


class SandboxControl:
    """Reads counters, sets faults and fetches accounts of a running sandbox."""

    def __init__(self, base_url: str, *, timeout: float = 5.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self._session = requests.Session()

    def close(self) -> None:
        self._session.close()

    def __enter__(self) -> SandboxControl:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _call(self, method: str, name: str, payload: Mapping[str, Any] | None = None) -> Any:
        response = self._session.request(
            method, f"{self.base_url}/_sandbox/{name}", json=payload, timeout=self.timeout
        )
        response.raise_for_status()
        return response.json()

    def health(self) -> bool:
        try:
            return bool(self._call("GET", "health").get("ok"))
        except requests.RequestException:
            return False

    def wait_ready(self, timeout: float = 10.0, interval: float = 0.05) -> None:
        """Block until the sandbox answers, e.g. right after starting it in a subprocess."""
        deadline = time.monotonic() + timeout
        while not self.health():
            if time.monotonic() > deadline:
                raise TimeoutError(f"the sandbox at {self.base_url} did not answer in {timeout}s")
            time.sleep(interval)

    def stats(self) -> SandboxStats:
        return SandboxStats.from_dict(self._call("GET", "stats"))

    def counts(
        self,
        account_id: str | None = None,
        listing_id: str | None = None,
        operation: str | None = None,
    ) -> int:
        return self.stats().count(account_id, listing_id, operation)

    def accounts(self) -> list[SandboxAccount]:
        return [SandboxAccount.from_dict(raw) for raw in self._call("GET", "accounts")["accounts"]]

    def fault_config(self) -> FaultConfig:
        return FaultConfig.from_dict(self._call("GET", "faults"))

    def set_fault_config(self, config: FaultConfig) -> FaultConfig:
        return FaultConfig.from_dict(self._call("POST", "faults", config.to_dict()))

    def set_faults(
        self,
        *faults: Fault,
        listing_faults: Mapping[str, Sequence[Fault]] | None = None,
        account_faults: Mapping[str, Sequence[Fault]] | None = None,
        expiries: Sequence[Expiry] = (),
        rotate_every: int | None = None,
        seed: int = 0,
    ) -> FaultConfig:
        """Same arguments as :meth:`SandboxServer.set_faults`; replaces every fault setting."""
        return self.set_fault_config(
            FaultConfig.of(
                *faults,
                listing_faults=listing_faults,
                account_faults=account_faults,
                expiries=expiries,
                rotate_every=rotate_every,
                seed=seed,
            )
        )

    def reset(self, *, faults: bool = False) -> None:
        """Zero the counters (and with ``faults=True`` clear every fault too)."""
        self._call("POST", "reset", {"faults": faults})

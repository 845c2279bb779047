"""A local stand-in for Airbnb's host-performance API: same paths, payloads and response shapes,
deterministic data, switchable faults and request counters. Knows nothing of the product's client.
"""

from airbnb_tui.sandbox.accounts import SandboxAccount, SandboxListing, demo_sandbox_accounts
from airbnb_tui.sandbox.control import SandboxControl
from airbnb_tui.sandbox.counters import NO_RESPONSE, RequestKey, SandboxStats
from airbnb_tui.sandbox.faults import AuthFailure, Expiry, Fault, FaultConfig, FaultKind
from airbnb_tui.sandbox.server import SandboxServer

__all__ = [
    "NO_RESPONSE",
    "AuthFailure",
    "Expiry",
    "Fault",
    "FaultConfig",
    "FaultKind",
    "RequestKey",
    "SandboxAccount",
    "SandboxControl",
    "SandboxListing",
    "SandboxServer",
    "SandboxStats",
    "demo_sandbox_accounts",
]

"""Sandbox host accounts: ids, listings and the browser cookies that authenticate them.

The cookie a sandbox account hands out looks like the one an operator copies from their browser
(several cookies, ``_aat`` carrying the session, ``_user_attributes`` the account id), so the
product's credential parsing and the sandbox's authentication are exercised the same way as
against Airbnb.
"""

from __future__ import annotations

import base64
import hashlib
import json
import shlex
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, unquote

from airbnb_tui.airbnb.operations import LISTINGS_SECTION
from airbnb_tui.config import DEFAULT_API_KEY
from airbnb_tui.sandbox.data import between, digits, unit

DEFAULT_SEED = 20250112
DEFAULT_USER_AGENT = (
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36"
)
AUTH_COOKIE = "_aat"
USER_ATTRIBUTES_COOKIE = "_user_attributes"

_FIRST_NAMES = ("Alex", "Maria", "Sam", "Priya", "Jonas", "Chen", "Fatima", "Diego", "Noor", "Lena")
_STREETS = (
    "Schuyler Street",
    "S Wilbur Ave",
    "Tipperary Hill Rd",
    "Harbor View Dr",
    "Maple Row",
    "Lakeshore Blvd",
    "Old Mill Lane",
    "Cedar Court",
    "Bayside Terrace",
    "Vine Street",
)
_ADJECTIVES = (
    "Sleek",
    "Charming",
    "Sunny",
    "Cozy",
    "Thoughtfully Designed",
    "Spacious",
    "Quiet",
    "Historic",
    "Modern",
    "Bright",
)
_PLACES = (
    "Loft",
    "Apartment",
    "Family Home",
    "Studio",
    "Cottage",
    "Townhouse",
    "Garden Suite",
    "Retreat",
)
_FEATURES = (
    "Close to Key Spots",
    "Walk to Downtown",
    "Sleeps 8, Free Parking",
    "Fast Wi-Fi & Workspace",
    "Near the Lake",
    "Fully Equipped Kitchen",
    "Steps from Cafes",
    "Perfect for Groups",
)


@dataclass(frozen=True)
class SandboxListing:
    """One listing as ListingsSectionQuery reports it."""

    id: str
    internal_name: str
    listing_name: str

    def to_dict(self) -> dict[str, str]:
        return {"id": self.id, "internalName": self.internal_name, "listingName": self.listing_name}

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any]) -> SandboxListing:
        return cls(str(raw["id"]), str(raw["internalName"]), str(raw["listingName"]))


@dataclass(frozen=True)
class SandboxAccount:
    """A host account of the sandbox. Cookie values never appear in its repr."""

    account_id: str
    listings: tuple[SandboxListing, ...]
    token: str = field(repr=False)
    first_name: str = "Alex"
    user_agent: str = DEFAULT_USER_AGENT
    client_version: str = "0f3a9c2e5b7d41e8a6c3b9f0d2e4a7c1b5e8d3f6"
    session_id: str = field(default="", repr=False)
    bev: str = field(default="", repr=False)

    @property
    def listing_ids(self) -> tuple[str, ...]:
        return tuple(listing.id for listing in self.listings)

    def user_attributes(self) -> dict[str, Any]:
        """The JSON Airbnb keeps in the ``_user_attributes`` cookie (account id in ``id_str``)."""
        return {
            "curr": "USD",
            "guest_exchange": 1.0,
            "id": int(self.account_id),
            "id_str": self.account_id,
            "hash_user_id": hashlib.sha1(
                self.account_id.encode(), usedforsecurity=False
            ).hexdigest()[:40],
            "eid": base64.b64encode(hashlib.sha256(self.account_id.encode()).digest()[:18])
            .decode()
            .rstrip("="),
            "num_h": 2,
            "num_trip_notif": 0,
            "name": self.first_name,
            "num_action": 0,
            "is_admin": False,
            "can_access_photography": False,
            "travel_credit_status": None,
            "referrals_info": {
                "terms_and_conditions_link": "/referrals/terms_and_conditions",
                "wechat_link": None,
                "offer_discount_type": None,
            },
        }

    def cookies(self, token: str | None = None) -> dict[str, str]:
        """Name → value of every cookie the browser would send, in the browser's order."""
        attributes = json.dumps(self.user_attributes(), separators=(",", ":"))
        return {
            "bev": self.bev or f"1736640000_{self.account_id[:6]}ZmQ5MmU0",
            "country": "US",
            "_csrf_token": "V4%24.airbnb.com%24sandbox%24" + self.account_id,
            "_airbed_session_id": self.session_id or f"s{self.account_id}",
            AUTH_COOKIE: token or self.token,
            "_user_attributes": quote(attributes, safe=""),
            "rclmd": quote(json.dumps({self.account_id: "email"}, separators=(",", ":")), safe=""),
            "jitney_client_session_id": "7c0d8f5e-1b2a-4c3d-9e8f-" + self.account_id[-9:].zfill(12),
        }

    def cookie_header(self, token: str | None = None) -> str:
        """The full ``Cookie`` header value, as copied from a logged-in browser."""
        return "; ".join(f"{name}={value}" for name, value in self.cookies(token).items())

    def curl_snippet(self, base_url: str, *, api_key: str = DEFAULT_API_KEY) -> str:
        """A browser's "Copy as cURL (bash)" of a ListingsSectionQuery call by this account."""
        body = {
            "operationName": LISTINGS_SECTION.name,
            "locale": "en",
            "currency": "USD",
            "variables": {
                "request": {
                    "clientName": LISTINGS_SECTION.client_name,
                    "arguments": {
                        "metricType": "CONVERSION",
                        "groupBys": ["RATING_CATEGORY"],
                        "groupByValues": ["occupancy_rate"],
                    },
                    "useStubbedData": False,
                }
            },
            "extensions": {"persistedQuery": {"version": 1, "sha256Hash": LISTINGS_SECTION.sha256}},
        }
        url = (
            f"{base_url.rstrip('/')}{LISTINGS_SECTION.path}"
            f"?operationName={LISTINGS_SECTION.name}&locale=en&currency=USD"
        )
        origin = base_url.rstrip("/")
        headers = [
            ("accept", "*/*"),
            ("accept-language", "en-US,en;q=0.9"),
            ("content-type", "application/json"),
            ("origin", origin),
            ("priority", "u=1, i"),
            ("referer", f"{origin}/performance/conversion/conversion_rate"),
            ("sec-ch-ua", '"Google Chrome";v="131", "Chromium";v="131", "Not_A Brand";v="24"'),
            ("sec-ch-ua-mobile", "?0"),
            ("sec-ch-ua-platform", '"macOS"'),
            ("sec-fetch-dest", "empty"),
            ("sec-fetch-mode", "cors"),
            ("sec-fetch-site", "same-origin"),
            ("user-agent", self.user_agent),
            ("x-airbnb-api-key", api_key),
            ("x-airbnb-graphql-platform", "web"),
            ("x-airbnb-graphql-platform-client", "minimalist-niobe"),
            ("x-airbnb-supports-airlock-v2", "true"),
            ("x-client-request-id", "0a1b2c3d4e5f60718293a4b5c6d7e8f9"),
            ("x-client-version", self.client_version),
            ("x-csrf-token", ""),
            ("x-csrf-without-token", "1"),
            ("x-niobe-short-circuited", "true"),
        ]
        lines = [f"curl {shlex.quote(url)}"]
        for name, value in headers[:3]:
            lines.append(f"-H {shlex.quote(f'{name}: {value}')}")
        lines.append(f"-b {shlex.quote(self.cookie_header())}")
        for name, value in headers[3:]:
            lines.append(f"-H {shlex.quote(f'{name}: {value}')}")
        lines.append(f"--data-raw {shlex.quote(json.dumps(body, separators=(',', ':')))}")
        return " \\\n  ".join(lines)

    def to_dict(self) -> dict[str, Any]:
        """Everything needed to rebuild the account in another process (includes the token)."""
        return {
            "account_id": self.account_id,
            "listings": [listing.to_dict() for listing in self.listings],
            "token": self.token,
            "first_name": self.first_name,
            "user_agent": self.user_agent,
            "client_version": self.client_version,
            "session_id": self.session_id,
            "bev": self.bev,
        }

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any]) -> SandboxAccount:
        return cls(
            account_id=str(raw["account_id"]),
            listings=tuple(SandboxListing.from_dict(item) for item in raw["listings"]),
            token=str(raw["token"]),
            first_name=str(raw.get("first_name", "Alex")),
            user_agent=str(raw.get("user_agent", DEFAULT_USER_AGENT)),
            client_version=str(raw.get("client_version", "")),
            session_id=str(raw.get("session_id", "")),
            bev=str(raw.get("bev", "")),
        )


def parse_cookie_header(header: str) -> dict[str, str]:
    """Name → raw value of a ``Cookie`` header; later duplicates win, as browsers send them."""
    cookies: dict[str, str] = {}
    for part in header.split(";"):
        name, sep, value = part.strip().partition("=")
        if sep and name:
            cookies[name.strip()] = value.strip()
    return cookies


def claimed_account_id(cookies: Mapping[str, str]) -> str | None:
    """The ``id_str`` of the ``_user_attributes`` cookie, or None when absent or unreadable."""
    raw = cookies.get(USER_ATTRIBUTES_COOKIE)
    if not raw:
        return None
    try:
        attributes = json.loads(unquote(raw))
    except ValueError:
        return None
    if not isinstance(attributes, dict):
        return None
    value = attributes.get("id_str")
    return value if isinstance(value, str) and value.isdigit() else None


def make_token(seed: int, *parts: object) -> str:
    """An ``_aat``-like session token (``0%7C`` + URL-safe characters), fixed by its inputs."""
    text = "\x1f".join([str(seed), *(str(p) for p in parts)])
    digest = hashlib.blake2b(text.encode(), digest_size=30).digest()
    return "0%7C" + base64.urlsafe_b64encode(digest).decode().rstrip("=")


def _listing(seed: int, account_id: str, index: int) -> SandboxListing:
    listing_id = digits(
        19 if unit(seed, account_id, index, "len") < 0.6 else 18, seed, account_id, index
    )

    def pick(options: tuple[str, ...], tag: str) -> str:
        return options[int(unit(seed, listing_id, tag) * len(options))]

    number = int(between(10, 990, seed, listing_id, "number"))
    internal = f"{number} {pick(_STREETS, 'street')}"
    if unit(seed, listing_id, "apt") < 0.4:
        internal += f" Apt {index + 1}"
    name = f"{pick(_ADJECTIVES, 'adj')} {pick(_PLACES, 'place')}: {pick(_FEATURES, 'feature')}"
    return SandboxListing(listing_id, internal, name)


def demo_sandbox_accounts(
    n_accounts: int = 1, listings: int = 7, seed: int = DEFAULT_SEED
) -> list[SandboxAccount]:
    """``n_accounts`` accounts of ``listings`` listings each; same seed, same ids and names."""
    accounts = []
    for i in range(n_accounts):
        account_id = digits(9, seed, "account", i)
        accounts.append(
            SandboxAccount(
                account_id=account_id,
                listings=tuple(_listing(seed, account_id, j) for j in range(listings)),
                token=make_token(seed, "aat", account_id),
                first_name=_FIRST_NAMES[int(unit(seed, account_id, "name") * len(_FIRST_NAMES))],
                client_version=hashlib.sha1(
                    f"{seed}:{account_id}".encode(), usedforsecurity=False
                ).hexdigest(),
                session_id=make_token(seed, "session", account_id)[4:26],
                bev=f"17366{digits(5, seed, 'bev', account_id)}_"
                + make_token(seed, "bev", account_id)[4:24],
            )
        )
    return accounts

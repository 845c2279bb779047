"""Deterministic, plausible performance numbers for the sandbox.

Every number is derived from a hash of ``(seed, listing id, date)``, so the same listing and day
always give the same values — across requests, processes and runs — without storing anything.
The model follows what the captured responses reveal about Airbnb's arithmetic:

* ``p2_impressions`` are search impressions, ``p3_impressions`` page views (small integers);
* ``conversion_rate = bookings / p2_impressions`` (daily and over a window),
  ``search_conversion_rate = p3 / p2``, ``listing_conversion_rate = bookings / p3`` and
  ``p2_impressions_first_page_rate = first-page impressions / p2``;
* "Similar listings" are a market series with their own page views and conversion rates.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache

# Monday..Sunday: more searches towards the weekend, as in the captured series.
_WEEKDAY_FACTOR = (0.85, 0.8, 0.85, 0.95, 1.2, 1.3, 1.05)
MAX_DAILY_CONVERSION = 0.05


def unit(seed: int, *parts: object) -> float:
    """A number in [0, 1) fixed by ``seed`` and ``parts`` (a stable hash, not ``random``)."""
    text = "\x1f".join([str(seed), *(str(p) for p in parts)])
    digest = hashlib.blake2b(text.encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") / 2**64


def between(low: float, high: float, seed: int, *parts: object) -> float:
    return low + (high - low) * unit(seed, *parts)


def digits(n: int, seed: int, *parts: object) -> str:
    """A numeric string of exactly ``n`` digits (no leading zero), fixed by the hash."""
    text = "\x1f".join([str(seed), *(str(p) for p in parts)])
    number = int.from_bytes(hashlib.blake2b(text.encode(), digest_size=16).digest(), "big")
    low = 10 ** (n - 1)
    return str(low + number % (9 * low))


@dataclass(frozen=True)
class Day:
    """One listing's numbers for one date."""

    ds: date
    p2_impressions: int
    p2_first_page: int
    p3_impressions: int
    bookings: int
    similar_p3_impressions: int
    similar_conversion_rate: float

    @property
    def conversion_rate(self) -> float:
        return self.bookings / self.p2_impressions if self.p2_impressions else 0.0


@lru_cache(maxsize=200_000)
def day_stats(seed: int, listing_id: str, ds: date) -> Day:
    """The numbers of ``listing_id`` on ``ds``; identical for identical arguments."""
    base_p2 = between(120, 450, seed, listing_id, "p2")
    season = 1 + 0.25 * math.sin(2 * math.pi * (ds.timetuple().tm_yday - 100) / 365)
    weekly = _WEEKDAY_FACTOR[ds.weekday()]
    noise = between(0.75, 1.25, seed, listing_id, ds, "p2")
    p2 = max(25, round(base_p2 * season * weekly * noise))

    first_rate = between(0.55, 0.85, seed, listing_id, "first") + between(
        -0.08, 0.08, seed, listing_id, ds, "first"
    )
    p2_first = round(p2 * min(1.0, max(0.0, first_rate)))

    search_rate = between(0.03, 0.08, seed, listing_id, "search") * between(
        0.7, 1.3, seed, listing_id, ds, "search"
    )
    p3 = round(p2 * search_rate)

    listing_rate = between(0.012, 0.045, seed, listing_id, "listing")
    # Stochastic rounding keeps the long-run rate while a day has 0, 1 or rarely 2 bookings.
    bookings = math.floor(p3 * listing_rate + unit(seed, listing_id, ds, "booking"))
    bookings = min(bookings, math.floor(p2 * MAX_DAILY_CONVERSION))

    market = between(5, 14, seed, listing_id, "market")
    similar_p3 = round(market * season * weekly * between(0.7, 1.3, seed, listing_id, ds, "mkt"))
    similar_conv = between(0.001, 0.0025, seed, listing_id, "mconv") * between(
        0.75, 1.25, seed, listing_id, ds, "mconv"
    )
    return Day(ds, p2, p2_first, p3, bookings, similar_p3, similar_conv)


def dates(start: date, end: date) -> list[date]:
    """Every date from ``start`` to ``end`` inclusive."""
    return [start + timedelta(days=i) for i in range((end - start).days + 1)]


def combined_day(seed: int, listing_ids: Sequence[str], ds: date) -> Day:
    """Several listings' numbers added up, as the dashboard shows a multi-listing selection."""
    days = [day_stats(seed, listing_id, ds) for listing_id in listing_ids]
    if len(days) == 1:
        return days[0]
    return Day(
        ds=ds,
        p2_impressions=sum(d.p2_impressions for d in days),
        p2_first_page=sum(d.p2_first_page for d in days),
        p3_impressions=sum(d.p3_impressions for d in days),
        bookings=sum(d.bookings for d in days),
        similar_p3_impressions=sum(d.similar_p3_impressions for d in days),
        similar_conversion_rate=sum(d.similar_conversion_rate for d in days) / len(days),
    )


def series(seed: int, listing_ids: Sequence[str], start: date, end: date) -> list[Day]:
    return [combined_day(seed, listing_ids, ds) for ds in dates(start, end)]


def _ratio(numerator: int, denominator: int) -> float:
    return numerator / denominator if denominator else 0.0


@dataclass(frozen=True)
class Window:
    """A window's totals and rates, consistent with its daily series."""

    p2_impressions: int
    p2_first_page: int
    p3_impressions: int
    bookings: int
    similar_p3_impressions: int
    similar_conversion_rate: float

    @classmethod
    def of(cls, days: Iterable[Day]) -> Window:
        days = list(days)
        return cls(
            p2_impressions=sum(d.p2_impressions for d in days),
            p2_first_page=sum(d.p2_first_page for d in days),
            p3_impressions=sum(d.p3_impressions for d in days),
            bookings=sum(d.bookings for d in days),
            similar_p3_impressions=sum(d.similar_p3_impressions for d in days),
            similar_conversion_rate=(
                sum(d.similar_conversion_rate for d in days) / len(days) if days else 0.0
            ),
        )

    @property
    def conversion_rate(self) -> float:
        return _ratio(self.bookings, self.p2_impressions)

    @property
    def first_page_rate(self) -> float:
        return _ratio(self.p2_first_page, self.p2_impressions)

    @property
    def search_conversion_rate(self) -> float:
        return _ratio(self.p3_impressions, self.p2_impressions)

    @property
    def listing_conversion_rate(self) -> float:
        return _ratio(self.bookings, self.p3_impressions)


def occupancy(seed: int, listing_id: str, today: date) -> tuple[float, float | None]:
    """This month's occupancy rate and its change since last month (None for an idle listing)."""
    if unit(seed, listing_id, "idle") < 0.2:
        return 0.0, None
    previous_month = (today.replace(day=1) - timedelta(days=1)).strftime("%Y-%m")
    now = between(0.2, 0.95, seed, listing_id, today.strftime("%Y-%m"), "occ")
    before = between(0.2, 0.95, seed, listing_id, previous_month, "occ")
    return now, now - before

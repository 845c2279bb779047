"""The three persisted GraphQL operations of Airbnb's host performance dashboard."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


@dataclass(frozen=True)
class Operation:
    name: str
    sha256: str
    client_name: str

    @property
    def path(self) -> str:
        return f"/api/v3/{self.name}/{self.sha256}"


LISTINGS_SECTION = Operation(
    "ListingsSectionQuery",
    "7a646c07b45ad35335b2cde4842e5c5bf69ccebde508b2ba60276832bfb1816b",
    "web-performance-dash-listings",
)
CHART = Operation(
    "ChartQuery",
    "aa6e318cc066bbf19511b86acdce32fc59219d8596448b861d794491f46631c5",
    "web-performance-dash-chart",
)
LIST_OF_METRICS = Operation(
    "ListOfMetricsQuery",
    "b22a5ded5e6c6d168f1d224b78f34182e7366e5cc65203ec04f1e718286a09e1",
    "web-performance-dash-metrics",
)

OPERATIONS = {op.name: op for op in (LISTINGS_SECTION, CHART, LIST_OF_METRICS)}

CHART_WINDOW_DAYS = 28
LIST_OF_METRICS_WINDOW_DAYS = 7
RELATIVE_DS_OFFSET = 3


class MetricType(StrEnum):
    CONVERSION = "CONVERSION"


@dataclass(frozen=True)
class MetricQuery:
    """One (metricType, metric) pair asked of ChartQuery or ListOfMetricsQuery."""

    metric_type: str
    metric: str


DEFAULT_CHART_METRICS = (MetricQuery("CONVERSION", "p3_impressions"),)
OPTIONAL_CHART_METRICS = (MetricQuery("CONVERSION", "conversion_rate"),)
DEFAULT_LIST_OF_METRICS = (
    MetricQuery("CONVERSION", "conversion_rate"),
    MetricQuery("CONVERSION", "p3_impressions"),
)

# Metrics with a column of their own; any other name is kept in ``extra_metrics``.
WINDOW_METRICS = (
    "conversion_rate",
    "p2_impressions_first_page_rate",
    "search_conversion_rate",
    "listing_conversion_rate",
    "p3_impressions",
    "p2_impressions",
)
CHART_METRICS = ("conversion_rate", "p3_impressions")
INTEGER_METRICS = frozenset({"p3_impressions", "p2_impressions"})

"""Finding and loading the real Airbnb responses captured in ``shared/airbnb-fixtures``.

The repository sits beside ``shared/`` (here ``/work/main`` and ``/work/shared``; in CI a clone
with ``shared/`` copied next to it), so the directory is two levels above this file's package.
"""

from __future__ import annotations

import copy
import json
from functools import cache
from pathlib import Path
from typing import Any

import pytest

_CANDIDATES = (
    Path(__file__).resolve().parents[1] / "fixtures" / "airbnb",
    Path(__file__).resolve().parents[3] / "shared" / "airbnb-fixtures",
)
FIXTURES_DIR = next((path for path in _CANDIDATES if path.is_dir()), _CANDIDATES[-1])

LISTINGS = "ListingsSectionQuery.json"
CHART_P3 = "ChartQuery_CONVERSION_p3_impressions.json"
CHART_CONVERSION = "ChartQuery_CONVERSION_conversion_rate.json"
LOM_CONVERSION = "ListOfMetricsQuery_CONVERSION_conversion_rate.json"
LOM_P3 = "ListOfMetricsQuery_CONVERSION_p3_impressions.json"
ALL = (LISTINGS, CHART_P3, CHART_CONVERSION, LOM_CONVERSION, LOM_P3)


@cache
def _read(name: str) -> Any:
    return json.loads((FIXTURES_DIR / name).read_text(encoding="utf-8"))


def load(name: str) -> Any:
    """A fresh copy of fixture ``name`` (tests may mutate it); skips if the directory is absent."""
    if not FIXTURES_DIR.is_dir():
        pytest.skip(
            f"the captured Airbnb fixtures are in neither {' nor '.join(map(str, _CANDIDATES))}"
        )
    return copy.deepcopy(_read(name))


def component(body: Any) -> Any:
    """``components[0]`` of a loaded fixture, to edit in place."""
    return body["data"]["porygon"]["getPerformanceComponents"]["components"][0]

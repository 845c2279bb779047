"""The deployment examples in deploy/ agree with the worker: supervisors wait out its grace
period, and every setting they name is one airbnb-tui reads."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from airbnb_tui.config import Settings
from worker.main import _FINISH_MARGIN_SECONDS

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
UNIT = DEPLOY / "systemd" / "airbnb-worker@.service"
ENV_FILE = DEPLOY / "systemd" / "worker.env.example"
KUBERNETES = DEPLOY / "kubernetes" / "airbnb-worker.yaml"


def _grace_setting(text: str) -> float:
    """The SHUTDOWN_GRACE_SECONDS a file sets, or the default."""
    found = re.search(r"AIRBNB_TUI_SHUTDOWN_GRACE_SECONDS\W+\"?([0-9.]+)", text)
    default = Settings.model_fields["shutdown_grace_seconds"].default
    return float(found.group(1)) if found else float(default)


def _single(pattern: str, text: str) -> str:
    found = re.findall(pattern, text, flags=re.MULTILINE)
    assert len(found) == 1, (pattern, found)
    return str(found[0])


def test_systemd_waits_longer_than_the_worker_may_take_to_stop() -> None:
    unit = UNIT.read_text()
    grace = _grace_setting(ENV_FILE.read_text())
    assert _single(r"^KillSignal=(\S+)$", unit) == "SIGTERM"
    assert float(_single(r"^TimeoutStopSec=(\d+)$", unit)) > grace + _FINISH_MARGIN_SECONDS
    assert "airbnb-worker" in _single(r"^ExecStart=(.+)$", unit)


def test_kubernetes_waits_longer_than_the_worker_may_take_to_stop() -> None:
    manifest = KUBERNETES.read_text()
    grace = _grace_setting(manifest)
    period = float(_single(r"^\s*terminationGracePeriodSeconds:\s*(\d+)\s*$", manifest))
    assert period > grace + _FINISH_MARGIN_SECONDS
    # Exec form, so the worker itself is PID 1 and gets the SIGTERM.
    assert re.search(r'command:\s*\["airbnb-worker"', manifest)


@pytest.mark.parametrize("path", [UNIT, ENV_FILE, KUBERNETES], ids=lambda p: p.name)
def test_every_setting_named_is_a_real_one(path: Path) -> None:
    names = set(re.findall(r"AIRBNB_TUI_([A-Z_]+)", path.read_text()))
    assert names
    assert {name.lower() for name in names} <= set(Settings.model_fields)


def test_the_readme_examples_wait_as_long_as_the_deploy_files() -> None:
    readme = (DEPLOY.parent / "README.md").read_text()
    default_grace = float(Settings.model_fields["shutdown_grace_seconds"].default)
    stop = float(_single(r"^TimeoutStopSec=(\d+)$", readme))
    period = float(_single(r"^\s*terminationGracePeriodSeconds:\s*(\d+)", readme))
    assert stop > default_grace + _FINISH_MARGIN_SECONDS
    assert period > default_grace + _FINISH_MARGIN_SECONDS
    assert stop == float(_single(r"^TimeoutStopSec=(\d+)$", UNIT.read_text()))
    deployment = readme[readme.index("## Running on more than one machine") :]
    deployment = deployment[: deployment.index("\n## ", 1)]
    named = {name.lower() for name in re.findall(r"AIRBNB_TUI_([A-Z_]+)", deployment)}
    assert named
    assert named <= set(Settings.model_fields)

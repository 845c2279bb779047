"""Every command documents itself: ``--help`` works and shows an example, and completion is on."""

from __future__ import annotations

import click
import pytest

from airbnb_tui.cli import cli
from airbnb_tui.db.engine import Database
from tests.cli.cli_helpers import Run


def command_paths(group: click.Group, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    ctx = click.Context(group)
    paths: list[tuple[str, ...]] = []
    for name in group.list_commands(ctx):
        command = group.get_command(ctx, name)
        assert command is not None
        paths.append((*prefix, name))
        if isinstance(command, click.Group):
            paths.extend(command_paths(command, (*prefix, name)))
    return paths


ALL_COMMANDS = command_paths(cli)


def test_the_headless_commands_are_registered() -> None:
    assert {
        ("accounts", "add"),
        ("accounts", "list"),
        ("accounts", "show"),
        ("accounts", "update"),
        ("accounts", "validate"),
        ("accounts", "enable"),
        ("accounts", "disable"),
        ("accounts", "remove"),
        ("jobs",),
        ("jobs", "show"),
        ("jobs", "cancel"),
        ("jobs", "retry"),
        ("sync",),
        ("export",),
    } <= set(ALL_COMMANDS)


@pytest.mark.parametrize("path", [(), *ALL_COMMANDS], ids=lambda p: " ".join(p) or "airbnb-tui")
def test_help_has_an_example(run: Run, path: tuple[str, ...]) -> None:
    result = run([*path, "--help"])
    assert result.code == 0, result
    example = result.stdout.split("Example:\n", 1)[1].splitlines()[0]
    assert "airbnb-tui" in example


def test_group_help_documents_shell_completion(run: Run) -> None:
    assert "_AIRBNB_TUI_COMPLETE=bash_source airbnb-tui" in run(["--help"]).stdout


def test_completion_script_is_generated(run: Run, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("_AIRBNB_TUI_COMPLETE", "bash_source")
    result = run([])
    assert result.code == 0
    assert "_airbnb_tui_completion()" in result.stdout


def test_the_click_group_runs_under_clirunner(app_db: Database) -> None:
    """The group itself (not only main()) works with click's runner, as embedders use it."""
    from click.testing import CliRunner

    result = CliRunner().invoke(cli, ["accounts", "list", "--json"], obj=None)
    assert result.exit_code == 0, result.output
    assert result.stdout == '{\n  "accounts": []\n}\n'

"""The README cannot go stale: every ``airbnb-tui`` / ``airbnb-worker`` command it shows must
still parse. Each is run with ``--help`` appended, which checks the subcommands and options
named (click rejects an unknown one before it shows help) without doing anything."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.cli.cli_helpers import Run

README = Path(__file__).resolve().parents[2] / "README.md"
PROGRAMS = ("airbnb-tui", "airbnb-worker")
_FENCE = re.compile(r"^```[^\n]*\n(.*?)^```", re.MULTILINE | re.DOTALL)
_INLINE = re.compile(r"(?<!`)`([^`\n]+)`(?!`)")
_SEPARATORS = re.compile(r"&&|\|\||[;|]")
_ASSIGNMENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*=")


def _commands_in(line: str) -> list[list[str]]:
    """The airbnb-tui/airbnb-worker invocations of one shell line, as argument lists."""
    found = []
    line = line.strip().removeprefix("$ ")
    for segment in _SEPARATORS.split(line):
        try:
            words = shlex.split(segment, comments=True)
        except ValueError:
            continue
        while words and (_ASSIGNMENT.match(words[0]) or words[0] in ("env", "exec", "time")):
            words = words[1:]
        if words and Path(words[0]).name in PROGRAMS:
            found.append([Path(words[0]).name, *words[1:]])
    return found


def readme_commands(text: str) -> list[list[str]]:
    """Commands in fenced code blocks (every line) and in inline code spans."""
    commands: list[list[str]] = []
    for block in _FENCE.findall(text):
        for line in block.splitlines():
            commands.extend(_commands_in(line))
    prose = _FENCE.sub("", text)
    for span in _INLINE.findall(prose):
        commands.extend(_commands_in(span))
    unique: list[list[str]] = []
    for command in commands:
        if command not in unique:
            unique.append(command)
    return unique


COMMANDS = readme_commands(README.read_text(encoding="utf-8"))


def test_the_extractor_reads_shell_lines() -> None:
    text = (
        "```sh\n"
        "python3 -m venv .venv && .venv/bin/pip install -e . && .venv/bin/airbnb-tui demo\n"
        "AIRBNB_TUI_DATABASE_URL=x airbnb-tui db upgrade   # once\n"
        "$ airbnb-worker --threads 2 | tee log\n"
        "echo airbnb-tui\n"
        "```\n"
        "Run `airbnb-tui sync 123 --wait` or see `the airbnb-tui docs`.\n"
    )
    assert readme_commands(text) == [
        ["airbnb-tui", "demo"],
        ["airbnb-tui", "db", "upgrade"],
        ["airbnb-worker", "--threads", "2"],
        ["airbnb-tui", "sync", "123", "--wait"],
    ]


def test_the_readme_shows_commands() -> None:
    assert ["airbnb-tui", "demo"] in COMMANDS
    assert any(command[0] == "airbnb-worker" for command in COMMANDS)


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c))
def test_readme_command_parses(run: Run, command: list[str]) -> None:
    program, *args = command
    if program == "airbnb-tui":
        result = run([*args, "--help"])
        assert result.code == 0, result
        assert result.stdout.startswith("Usage: airbnb-tui")
    else:
        from worker.main import cli as worker_cli

        outcome = CliRunner().invoke(worker_cli, [*args, "--help"], prog_name="airbnb-worker")
        assert outcome.exit_code == 0, outcome.output
        assert outcome.output.startswith("Usage: airbnb-worker")

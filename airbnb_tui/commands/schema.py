"""``airbnb-tui json-schema``: the JSON Schema of a command's ``--json`` output, for scripts
that validate what they read."""

from __future__ import annotations

import json

import click

from airbnb_tui.commands.output import SCHEMAS, json_schema

_HELP = f"""Print the JSON Schema of COMMAND's --json output.

COMMAND is one of: {", ".join(SCHEMAS)}. (export --format json writes one row object per line:
the table's columns.)

\b
Example:
  airbnb-tui json-schema jobs show
"""


@click.command("json-schema", help=_HELP)
@click.argument("command", nargs=-1, required=True)
def json_schema_cmd(command: tuple[str, ...]) -> None:
    name = " ".join(" ".join(command).split())
    if name not in SCHEMAS:
        known = ", ".join(sorted(SCHEMAS))
        raise click.BadParameter(f"{name!r} has no --json output; one of: {known}.")
    click.echo(json.dumps(json_schema(name), indent=2, sort_keys=True))

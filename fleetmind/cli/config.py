"""`fleetmind config show`: the effective configuration and where each value came from."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.table import Table
from rich.text import Text

from ..config import CONFIG_NAME
from .common import ConfigOpt, app, load_settings, out

config_app = typer.Typer(help="Inspect the configuration (file, FLEETMIND_* variables).", no_args_is_help=True)
app.add_typer(config_app, name="config")

SOURCE_STYLE = {"default": "dim", "env": "yellow", "flag": "magenta"}


@config_app.command("show")
def show(
    config: ConfigOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print key, value and source as JSON")] = False,
) -> None:
    """Print every setting with its value and where it came from: default, the file, an
    environment variable or a flag. Secrets are masked. Exits 2 if the configuration is invalid."""
    loaded = load_settings(config)
    rows = loaded.rows()
    if as_json:
        body = {
            "file": str(loaded.file) if loaded.file else None,
            "settings": [{"key": k, "value": v, "source": s} for k, v, s in rows],
        }
        out.print_json(json.dumps(body))
        return
    if loaded.file is not None:
        out.print(f"configuration file: {loaded.file}")
    else:
        out.print(
            f"no configuration file (looked for ./{CONFIG_NAME} and $XDG_CONFIG_HOME/fleetmind/{CONFIG_NAME});"
            " defaults and FLEETMIND_* variables apply"
        )
    table = Table(box=None, show_edge=False)
    table.add_column("key", no_wrap=True)
    table.add_column("value", overflow="fold")
    table.add_column("from", no_wrap=True)
    for key, value, source in rows:
        kind = source.split(" ", 1)[0] if source.split(" ", 1)[0] in SOURCE_STYLE else "file"
        table.add_row(key, Text(value), Text(source, style=SOURCE_STYLE.get(kind, "green")))
    out.print(table)

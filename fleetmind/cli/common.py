"""What every command shares: the typer apps, consoles, logging and model set-up."""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console

if TYPE_CHECKING:
    from ..config import LoadedConfig

app = typer.Typer(
    help="Turn one request into work done by GUI agents across a fleet of devices.",
    no_args_is_help=True,
    add_completion=False,
)
device_app = typer.Typer(help="Attach devices to an orchestrator.", no_args_is_help=True)
app.add_typer(device_app, name="device")
console = Console(stderr=True)
"""Progress, tables and errors: stderr, so stdout stays clean for --json."""
out = Console()

TIER_STYLE = {"rule": "cyan", "local": "green", "cloud": "magenta"}
STATUS_STYLE = {
    "pending": "dim",
    "ready": "cyan",
    "running": "yellow",
    "succeeded": "green",
    "failed": "red",
    "cancelled": "magenta",
    "skipped": "dim strike",
}


def setup_logging(verbose: bool) -> None:
    """Warnings only, unless --verbose."""
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        stream=sys.stderr,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )


def cloud_model(name: str | None) -> Any:
    """The cloud tier for `--model-cloud`, or None.

    FLEETMIND_MOCK_RESPONSE makes every cloud call answer that text without any
    network (litellm's mock_response): a dry run of the cloud path.
    """
    if not name:
        return None
    from ..agents.models.cloud import LiteLLMModel

    return LiteLLMModel(name, mock_response=os.environ.get("FLEETMIND_MOCK_RESPONSE"))


ConfigOpt = Annotated[
    Path | None,
    typer.Option(
        "--config",
        help="fleetmind.toml to read (default: ./fleetmind.toml, else $XDG_CONFIG_HOME/fleetmind/fleetmind.toml)",
    ),
]


def load_settings(config: Path | None, flags: Mapping[str, tuple[str, Any]] | None = None) -> LoadedConfig:
    """The configuration (file < FLEETMIND_* env < the flags given), or exit 2 naming the bad key.

    flags: dotted key -> (flag, value); a None value is a flag not given.
    """
    from ..config import ConfigError, load_config

    try:
        return load_config(config, flags=flags)
    except ConfigError as exc:
        from rich.markup import escape

        raise fail(escape(f"configuration: {exc}")) from None


def fail(message: str, code: int = 2) -> typer.Exit:
    """Print an error and return the Exit to raise."""
    console.print(f"[red]{message}[/]")
    return typer.Exit(code)

"""`fleetmind run | submit | serve | device | bench | doctor | mcp | config | skills | keys | secrets`: the CLI.

Exit codes: 0 success, 1 the task failed, 2 bad usage or configuration.
Each command lives in its own module; importing them registers them on `app`.
"""

from __future__ import annotations

from . import bench, config, device, doctor, keys, mcp, run, secrets, serve, skills, submit  # noqa: E402,F401,I001 - registers the commands
from .common import app, device_app

__all__ = ["app", "device_app", "main"]


def main() -> None:
    """Console entry point."""
    app()

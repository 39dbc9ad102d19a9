"""`fleetmind keys enrol | list | revoke`: the device keys of an orchestrator's SQLite file.

A device host enrols with a one-time token from `keys enrol` (`fleetmind device ...
--enrol TOKEN`) and is given a device key bound to its devices; `keys list` shows
the keys (never the keys themselves: only their hashes are stored), `keys revoke ID`
shuts one out at its next hello. The running `fleetmind serve --db FILE` sees the
changes at once: it reads the same file.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from .common import app, console, fail, out

if TYPE_CHECKING:
    from ..orchestrator.identity import DeviceKeys

keys_app = typer.Typer(help="Device keys: enrol devices, list and revoke their keys.", no_args_is_help=True)
app.add_typer(keys_app, name="keys")

DbOpt = Annotated[
    Path | None, typer.Option("--db", help="The orchestrator's SQLite file (the one `fleetmind serve --db` uses)")
]


def _open(db: Path | None, *, create: bool = False) -> DeviceKeys:
    from ..orchestrator.identity import DeviceKeys

    if db is None:
        raise fail("give --db FILE: the SQLite file `fleetmind serve --db FILE` uses (keys live there)")
    if not create and not db.exists():
        raise fail(f"{db} does not exist; give the file `fleetmind serve --db` uses")
    try:
        return DeviceKeys(db)
    except Exception as exc:  # sqlite3.Error, OSError: not a database we can use
        raise fail(f"cannot open {db} as the orchestrator's database: {exc}") from None


def _when(stamp: float | None) -> str:
    return time.strftime("%Y-%m-%d %H:%M", time.localtime(stamp)) if stamp else "-"


@keys_app.command("enrol")
def enrol(
    db: DbOpt = None,
    count: Annotated[int, typer.Option(min=1, max=100, help="How many one-time tokens")] = 1,
    ttl_hours: Annotated[float, typer.Option(min=0.01, help="Hours each token stays valid")] = 24.0,
    url: Annotated[str, typer.Option(help="The agent URL to show in the device command")] = "ws://HOST:PORT/agent",
) -> None:
    """Create one-time enrolment tokens; each enrols one device host (`fleetmind device ... --enrol TOKEN`)."""
    keys = _open(db, create=True)
    try:
        tokens = [keys.create_enrolment(ttl_hours * 3600) for _ in range(count)]
    finally:
        keys.close()
    for token in tokens:
        out.print(token, soft_wrap=True)
    console.print(
        f"one-time, valid {ttl_hours:g} h. On the device's machine:\n"
        f"  FLEETMIND_ENROL=<token> fleetmind device virtual --connect {url}\n"
        "(or --enrol <token>). The host keeps the key it is given in its key file and needs no token after that.",
        soft_wrap=True,
    )


@keys_app.command("list")
def list_keys(
    db: DbOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON on stdout")] = False,
) -> None:
    """List the device keys: id, name, devices, created, last seen, revoked."""
    keys = _open(db)
    try:
        records, pending = keys.records(), keys.pending_enrolments()
    finally:
        keys.close()
    if as_json:
        rows = [
            {
                "id": r.id,
                "name": r.name,
                "devices": list(r.devices),
                "created": r.created,
                "last_seen": r.last_seen,
                "revoked": r.revoked,
            }
            for r in records
        ]
        out.print_json(json.dumps({"keys": rows, "pending_enrolments": pending}))
        return
    from rich.table import Table

    table = Table("id", "name", "devices", "created", "last seen", "status")
    for r in records:
        status = f"[red]revoked {_when(r.revoked)}[/]" if r.revoked else "[green]active[/]"
        table.add_row(r.id, r.name, ", ".join(r.devices) or "-", _when(r.created), _when(r.last_seen), status)
    out.print(table)
    console.print(f"{len(records)} keys; {pending} enrolment tokens not used yet")


@keys_app.command("revoke")
def revoke(
    key_id: Annotated[str, typer.Argument(help="The key's id, as `fleetmind keys list` shows it")],
    db: DbOpt = None,
) -> None:
    """Revoke a device key: its host is refused at its next hello and must enrol again."""
    keys = _open(db)
    try:
        known = {r.id: r for r in keys.records()}
        if key_id not in known:
            raise fail(f"no key {key_id} in {db}; `fleetmind keys list --db {db}` shows the ids")
        if not keys.revoke(key_id):
            raise fail(f"key {key_id} was already revoked")
    finally:
        keys.close()
    console.print(f"revoked key {key_id} ({', '.join(known[key_id].devices) or 'no devices'})")

"""`fleetmind secrets set | list | rm`: the PINs and passwords this device host may type.

A request names a secret ("log in to the bank with my bank PIN" -> `bank-pin`); the agent
types its value on the device, and the value never reaches a prompt, event, log or result.
Secrets live in the OS keyring when this machine has one, else in the encrypted file
`<data dir>/secrets.json` (`secrets.backend` in fleetmind.toml; fleetmind/secrets/store.py
says how that file is keyed). A value is read from a hidden prompt or from stdin, never
from the command line, where the shell history and `ps` would show it.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Literal

import typer
from rich.markup import escape

from .common import ConfigOpt, app, console, fail, load_settings, out

if TYPE_CHECKING:
    from ..secrets import SecretStore

secrets_app = typer.Typer(
    help="PINs and passwords the agents type on this device host's devices.", no_args_is_help=True
)
app.add_typer(secrets_app, name="secrets")

NameArg = Annotated[str, typer.Argument(help="The secret's name, e.g. bank-pin ('Bank PIN' is the same name)")]
BackendOpt = Annotated[
    Literal["auto", "keyring", "file"] | None,
    typer.Option("--backend", help="Where secrets are kept (default: secrets.backend in the configuration, auto)"),
]


def _store(config: Path | None, backend: Literal["auto", "keyring", "file"] | None) -> SecretStore:
    from ..secrets import SecretStoreError, open_store

    settings = load_settings(config, {"secrets.backend": ("--backend", backend)}).settings
    try:
        return open_store(settings.secrets.backend, settings.data_path())
    except SecretStoreError as exc:
        raise fail(escape(str(exc))) from None


def _name(name: str) -> str:
    from ..secrets import InvalidName, normalise_name

    try:
        return normalise_name(name)
    except InvalidName as exc:
        raise fail(escape(str(exc))) from None


def _read_value(name: str) -> str:
    if not sys.stdin.isatty():  # piped: `pass show bank | fleetmind secrets set bank-pin`
        value = sys.stdin.read().rstrip("\r\n")
    else:
        value = typer.prompt(f"value of {name}", hide_input=True, confirmation_prompt=True)
    if not value:
        raise fail(f"no value given for {name}; nothing was stored")
    return value


@secrets_app.command("set")
def set_secret(name: NameArg, config: ConfigOpt = None, backend: BackendOpt = None) -> None:
    """Store a secret under NAME (asks for the value with a hidden prompt, or reads it from stdin)."""
    from ..secrets import SecretStoreError

    key, store = _name(name), _store(config, backend)
    value = _read_value(key)
    try:
        store.set(key, value)
    except SecretStoreError as exc:
        raise fail(escape(str(exc))) from None
    said = key.replace("-", " ")
    console.print(f"stored secret {key!r} in {escape(store.where)}; a request can say e.g. “with my {said}”")


@secrets_app.command("list")
def list_secrets(config: ConfigOpt = None, backend: BackendOpt = None) -> None:
    """The stored secrets' names (never their values)."""
    from ..secrets import SecretStoreError

    store = _store(config, backend)
    try:
        names = store.names()
    except SecretStoreError as exc:
        raise fail(escape(str(exc))) from None
    if not names:
        console.print(f"no secrets in {escape(store.where)}; add one with: fleetmind secrets set NAME")
    for name in names:
        out.print(name, highlight=False)


@secrets_app.command("rm")
def remove(name: NameArg, config: ConfigOpt = None, backend: BackendOpt = None) -> None:
    """Delete a stored secret."""
    from ..secrets import SecretStoreError

    key, store = _name(name), _store(config, backend)
    try:
        removed = store.delete(key)
    except SecretStoreError as exc:
        raise fail(escape(str(exc))) from None
    if not removed:
        raise fail(f"no secret called {key!r} in {escape(store.where)}; see fleetmind secrets list")
    console.print(f"removed secret {key!r} from {escape(store.where)}")

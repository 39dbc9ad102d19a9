"""Loading the configuration: file < environment < flags, validated once, with provenance.

Each layer is read into a nested dict and flattened into dotted keys tagged with
where they came from; the layers are merged in order of precedence and validated
by the `Settings` model once. A validation error is reported against the layer that
supplied the bad key: "fleetmind.toml: routing.confidence_threshold: must be
between 0 and 1", "FLEETMIND_BUDGET__MAX_STEPS: ...", "--max-cost: ...".
"""

from __future__ import annotations

import os
import tomllib
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, SecretStr, ValidationError
from pydantic_settings import EnvSettingsSource

from .settings import Settings

__all__ = ["CONFIG_NAME", "ConfigError", "LoadedConfig", "Source", "find_config_file", "load_config"]

CONFIG_NAME = "fleetmind.toml"
MASK = "********"


class ConfigError(ValueError):
    """The configuration is invalid; the message names the source, the key and what is wrong."""


@dataclass(frozen=True)
class Source:
    """Where one value came from."""

    kind: Literal["default", "file", "env", "flag"]
    where: str = ""
    """The file's path, the variable's name or the flag."""

    def __str__(self) -> str:
        return {"default": "default", "file": self.where, "env": f"env {self.where}", "flag": f"flag {self.where}"}[
            self.kind
        ]


DEFAULT = Source("default")


@dataclass
class LoadedConfig:
    """The effective settings and where each key's value came from."""

    settings: Settings
    file: Path | None = None
    sources: dict[str, Source] = field(default_factory=dict)

    def source_of(self, key: str) -> Source:
        """Where the value of dotted `key` came from (a list set as a whole counts for its items)."""
        parts = key.split(".")
        for n in range(len(parts), 0, -1):
            found = self.sources.get(".".join(parts[:n]))
            if found is not None:
                return found
        return DEFAULT

    def rows(self) -> list[tuple[str, str, str]]:
        """(key, value as shown, source) for every setting; secrets masked."""
        rows: list[tuple[str, str, str]] = []
        for key, value in _leaves(_shown(self.settings)).items():
            rows.append((key, _show(value), str(self.source_of(key))))
        return rows


def _shown(model: BaseModel) -> dict[str, Any]:
    """The settings as a dict, secrets replaced by a mask (never their value)."""

    def walk(value: Any) -> Any:
        if isinstance(value, SecretStr):
            return MASK if value.get_secret_value() else ""
        if isinstance(value, BaseModel):
            return {k: walk(getattr(value, k)) for k in type(value).model_fields}
        if isinstance(value, dict):
            return {k: walk(v) for k, v in value.items()} or {}
        return value

    shown: dict[str, Any] = walk(model)
    return shown


def _show(value: Any) -> str:
    if value is None:
        return "(none)"
    if isinstance(value, list):
        return ", ".join(map(str, value)) if value else "[]"
    if isinstance(value, dict) and not value:
        return "{}"
    return str(value)


def _leaves(tree: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """Flatten nested dicts into dotted keys (lists and empty dicts are leaves)."""
    out: dict[str, Any] = {}
    for key, value in tree.items():
        dotted = f"{prefix}{key}"
        if isinstance(value, Mapping) and value:
            out.update(_leaves(value, dotted + "."))
        else:
            out[dotted] = value
    return out


def _nest(flat: Mapping[str, Any]) -> dict[str, Any]:
    tree: dict[str, Any] = {}
    for dotted, value in flat.items():
        node = tree
        *parents, last = dotted.split(".")
        for part in parents:
            child = node.get(part)
            if not isinstance(child, dict):
                child = node[part] = {}
            node = child
        node[last] = value
    return tree


def _display(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def find_config_file(explicit: str | Path | None = None, *, cwd: Path | None = None) -> Path | None:
    """The configuration file: `explicit` (--config) or $FLEETMIND_CONFIG, which must exist;
    else ./fleetmind.toml; else $XDG_CONFIG_HOME/fleetmind/fleetmind.toml (~/.config); else None."""
    given = explicit if explicit is not None else os.environ.get("FLEETMIND_CONFIG") or None
    if given is not None:
        path = Path(given).expanduser()
        if not path.is_file():
            how = "--config" if explicit is not None else "FLEETMIND_CONFIG"
            raise ConfigError(f"{how} {given}: no such file; give the path of a fleetmind.toml")
        return path
    here = (cwd or Path.cwd()) / CONFIG_NAME
    if here.is_file():
        return here
    home = Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config") / "fleetmind" / CONFIG_NAME
    return home if home.is_file() else None


def _read_file(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{_display(path)}: not valid TOML: {exc}") from None
    except OSError as exc:
        raise ConfigError(f"{_display(path)}: cannot read it ({exc.strerror or exc})") from None


def _env_var(key: str) -> str:
    return "FLEETMIND_" + key.replace(".", "__").upper()


def load_config(
    path: str | Path | None = None,
    *,
    flags: Mapping[str, tuple[str, Any]] | None = None,
    cwd: Path | None = None,
) -> LoadedConfig:
    """The effective configuration: defaults < file < FLEETMIND_* environment < flags.

    flags: dotted key -> (flag as typed, value); a None value means the flag was not given.
    Raises ConfigError naming the source and the key of the first problems found.
    """
    file = find_config_file(path, cwd=cwd)
    layers: list[tuple[dict[str, Any], Any]] = []
    if file is not None:
        layers.append((_leaves(_read_file(file)), Source("file", _display(file))))
    env_tree = EnvSettingsSource(Settings, env_prefix="FLEETMIND_", env_nested_delimiter="__")()
    layers.append((_leaves(env_tree), None))
    given = {k: v for k, v in (flags or {}).items() if v[1] is not None}
    layers.append(({k: v for k, (_, v) in given.items()}, None))
    merged: dict[str, Any] = {}
    sources: dict[str, Source] = {}
    for i, (values, source) in enumerate(layers):
        for key, value in values.items():
            # A table set as a whole in a later layer replaces what is under it.
            for stale in [k for k in merged if k.startswith(key + ".")]:
                del merged[stale], sources[stale]
            merged[key] = value
            if source is not None:
                sources[key] = source
            elif i == len(layers) - 1:
                sources[key] = Source("flag", given[key][0])
            else:
                sources[key] = Source("env", _env_var(key))
    try:
        settings = Settings.model_validate(_nest(merged))
    except ValidationError as exc:
        raise ConfigError(_explain(exc, LoadedConfig(Settings.model_construct(), file, sources))) from None
    return LoadedConfig(settings, file, sources)


def _explain(exc: ValidationError, where: LoadedConfig) -> str:
    lines = []
    for err in exc.errors():
        loc = [str(p) for p in err["loc"]]
        msg = str(err["msg"]).removeprefix("Value error, ").replace("Input should be", "must be")
        head, sep, rest = msg.partition(": ")
        if sep and "." in head and " " not in head:  # a model check naming its sub-key: "local.endpoint: ..."
            loc, msg = loc + head.split("."), rest
        key = ".".join(loc)
        if err["type"] == "extra_forbidden":
            known = _known_keys(loc[:-1])
            msg = "unknown key" + (f"; known keys here: {', '.join(known)}" if known else "")
        elif err["type"] == "missing":
            msg = "is required"
        source = where.source_of(key)
        if source.kind == "default":  # a check across keys: blame the layer of any key under it
            source = next((s for k, s in where.sources.items() if k.startswith(key + ".")), source)
        origin = str(source) if source.kind != "default" else "configuration"
        lines.append(f"{origin}: {key}: {msg}")
    return "\n".join(lines)


def _known_keys(loc: list[str]) -> list[str]:
    """The keys the table at `loc` accepts (in a dict of named tables, the name is skipped)."""
    model: Any = Settings
    named = False
    for part in loc:
        if named:  # the name of one table in a dict of tables
            named = False
            continue
        if not (isinstance(model, type) and issubclass(model, BaseModel)) or part not in model.model_fields:
            return []
        annotation = model.model_fields[part].annotation
        named = typing.get_origin(annotation) is dict
        model = _model_of(typing.get_args(annotation)[1] if named else annotation)
    if named or not (isinstance(model, type) and issubclass(model, BaseModel)):
        return []
    return list(model.model_fields)


def _model_of(annotation: Any) -> Any:
    """The pydantic model inside `annotation` (X | None gives X), else the annotation."""
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        for arg in typing.get_args(annotation):
            if isinstance(arg, type) and issubclass(arg, BaseModel):
                return arg
    return annotation

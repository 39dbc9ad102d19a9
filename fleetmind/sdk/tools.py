"""Custom tools an agent may call: typed Python functions in a registry.

    tools = Tools()

    @tools.tool
    def forecast(city: str, days: int = 1) -> str:
        "The weather forecast for a city."
        ...

    await tools.call("forecast", {"city": "Paris"})   # arguments checked against the signature
    tools.schemas()                                   # JSON schemas, e.g. for a cloud model's tool list

Arguments are validated by a pydantic model built from the function's type hints,
so a model (or a person) that passes a wrong argument gets an error naming it.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, get_type_hints

from pydantic import BaseModel, ConfigDict, ValidationError, create_model

from .errors import FleetmindError


class ToolError(FleetmindError):
    """A tool call could not be made: unknown tool or wrong arguments."""


@dataclass(frozen=True)
class Tool:
    """One registered function: its name, description and argument model."""

    name: str
    description: str
    fn: Callable[..., Any]
    params: type[BaseModel]

    async def __call__(self, arguments: dict[str, Any] | None = None, /, **kwargs: Any) -> Any:
        """Validate the arguments, call the function (awaiting it if it is async), return its value."""
        given = {**(arguments or {}), **kwargs}
        try:
            parsed = self.params.model_validate(given)
        except ValidationError as exc:
            problems = "; ".join(f"{'.'.join(map(str, e['loc'])) or '(arguments)'}: {e['msg']}" for e in exc.errors())
            raise ToolError(f"tool {self.name}: {problems}") from None
        result = self.fn(**{name: getattr(parsed, name) for name in type(parsed).model_fields})
        if inspect.isawaitable(result):
            result = await result
        return result

    def schema(self) -> dict[str, Any]:
        """The tool as a JSON-schema function description (name, description, parameters)."""
        return {"name": self.name, "description": self.description, "parameters": self.params.model_json_schema()}


def _params_model(fn: Callable[..., Any], name: str) -> type[BaseModel]:
    hints = get_type_hints(fn)
    fields: dict[str, Any] = {}
    for param in inspect.signature(fn).parameters.values():
        if param.kind in (param.VAR_POSITIONAL, param.VAR_KEYWORD):
            raise ToolError(f"tool {name}: *args and **kwargs cannot be described to a model; name each argument")
        if param.name not in hints:
            raise ToolError(f"tool {name}: argument {param.name!r} needs a type hint")
        default = ... if param.default is inspect.Parameter.empty else param.default
        fields[param.name] = (hints[param.name], default)
    model: type[BaseModel] = create_model(f"{name}_arguments", __config__=ConfigDict(extra="forbid"), **fields)
    return model


class Tools:
    """A registry of tools; `@tools.tool` registers a function under its name."""

    def __init__(self) -> None:
        self._tools: dict[str, Tool] = {}

    def tool(
        self, fn: Callable[..., Any] | None = None, /, *, name: str | None = None, description: str | None = None
    ) -> Any:
        """Register `fn` (decorator, with or without arguments); the function itself is returned unchanged."""

        def register(f: Callable[..., Any]) -> Callable[..., Any]:
            self.add(f, name=name, description=description)
            return f

        return register(fn) if fn is not None else register

    def add(self, fn: Callable[..., Any], *, name: str | None = None, description: str | None = None) -> Tool:
        """Register `fn`; its docstring is the description unless one is given."""
        tool_name = name or fn.__name__
        if tool_name in self._tools:
            raise ToolError(f"a tool named {tool_name!r} is already registered")
        doc = description or inspect.getdoc(fn) or ""
        tool = Tool(tool_name, doc.strip(), fn, _params_model(fn, tool_name))
        self._tools[tool_name] = tool
        return tool

    def get(self, name: str) -> Tool:
        """The tool called `name` (ToolError listing the known ones otherwise)."""
        try:
            return self._tools[name]
        except KeyError:
            known = ", ".join(sorted(self._tools)) or "none"
            raise ToolError(f"no tool named {name!r}; registered tools: {known}") from None

    async def call(self, name: str, arguments: dict[str, Any] | None = None) -> Any:
        """Call the tool `name` with `arguments` checked against its signature."""
        return await self.get(name)(arguments or {})

    def schemas(self) -> list[dict[str, Any]]:
        """Every tool's JSON-schema description."""
        return [t.schema() for t in self._tools.values()]

    def __contains__(self, name: object) -> bool:
        return name in self._tools

    def __iter__(self) -> Iterator[Tool]:
        return iter(self._tools.values())

    def __len__(self) -> int:
        return len(self._tools)


__all__ = ["Tool", "ToolError", "Tools"]

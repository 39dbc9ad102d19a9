"""`fleetmind skills list | show | rm | add | card | memory`: what the agents learned, and app cards.

Skills are JSON files in `<data dir>/skills`, exploration memory in `<data dir>/memory`,
app cards in `<data dir>/cards` (the data directory: `data_dir` in fleetmind.toml,
$FLEETMIND_DATA_DIR, else $XDG_DATA_HOME/fleetmind).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape
from rich.table import Table

from .common import ConfigOpt, app, console, fail, load_settings, out

if TYPE_CHECKING:
    from ..agents.skills import SkillStore
    from ..bench.skills import PassResult

skills_app = typer.Typer(help="Skills the agents learned or you wrote, their memory of apps, and app cards.",
                         no_args_is_help=True)
app.add_typer(skills_app, name="skills")


def _data_dir(config: Path | None) -> Path:
    return load_settings(config).settings.data_path()


def _store(config: Path | None) -> SkillStore:
    from ..agents.skills import SkillStore

    return SkillStore(_data_dir(config) / "skills")


@skills_app.command("list")
def list_skills(
    config: ConfigOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the skills as JSON on stdout")] = False,
) -> None:
    """List the stored skills: what goal each does, in which apps, how often it replayed."""
    store = _store(config)
    skills = store.all()
    if as_json:
        out.print_json(json.dumps([s.model_dump(mode="json") for s in skills]))
        return
    if not skills:
        console.print(f"no skills in {store.path} yet: a verified run of a request teaches one")
    else:
        table = Table(title=f"skills in {store.path}", title_justify="left")
        table.add_column("name", no_wrap=True)
        for col in ("goal", "apps", "steps", "origin", "replays", "fallbacks"):
            table.add_column(col)
        for s in skills:
            table.add_row(s.name, escape(s.goal or "-"), ", ".join(s.apps), str(len(s.steps)), s.origin,
                          str(s.replays), str(s.fallbacks))
        out.print(table)
    for file, why in store.problems().items():
        console.print(f"[yellow]{escape(file)} is not a valid skill: {escape(why)}[/]")


@skills_app.command("show")
def show(name: Annotated[str, typer.Argument(help="The skill's name (see fleetmind skills list)")],
         config: ConfigOpt = None) -> None:
    """Print one skill as JSON (its file can be edited, copied or shared)."""
    store = _store(config)
    skill = store.get(name)
    if skill is None:
        raise fail(f"no skill called {name!r} in {store.path}; see fleetmind skills list")
    out.print_json(skill.model_dump_json())


@skills_app.command("rm")
def remove(name: Annotated[str, typer.Argument(help="The skill's name (see fleetmind skills list)")],
           config: ConfigOpt = None) -> None:
    """Delete a skill: the agents stop replaying it (a later verified run may learn it again)."""
    store = _store(config)
    if not store.remove(name):
        raise fail(f"no skill called {name!r} in {store.path}; see fleetmind skills list")
    console.print(f"removed skill {name}")


@skills_app.command("add")
def add(file: Annotated[Path, typer.Argument(help="A skill as JSON (fleetmind.sdk.Skill)", exists=True,
                                             dir_okay=False)],
        config: ConfigOpt = None) -> None:
    """Store a skill written by hand; with a `goal` template, agents replay it for goals of that form."""
    from ..agents.skills import Skill, SkillError

    try:
        skill = Skill.load(file)
    except (SkillError, ValueError) as exc:
        raise fail(f"{file} is not a valid skill: {exc}") from None
    path = _store(config).add(skill)
    console.print(f"stored skill {skill.name} in {path}")


@skills_app.command("card")
def card(app_name: Annotated[str, typer.Argument(metavar="APP", help="The app's name, as the device lists it")],
         config: ConfigOpt = None) -> None:
    """Print an app's card, creating it from a template first: notes on where things are and
    what to avoid, used by grounding (prefer:/avoid: lines) and given to cloud models."""
    from ..agents.memory import AppCards

    cards = AppCards(_data_dir(config) / "cards")
    existed = cards.file(app_name).exists()
    file = cards.create(app_name)
    console.print(f"{'card' if existed else 'new card'} for {escape(app_name)}: {file} (edit it with any editor)")
    typer.echo(file.read_text(encoding="utf-8"), nl=False)


@skills_app.command("memory")
def memory(app_name: Annotated[str | None, typer.Argument(metavar="[APP]", help="One app's screens")] = None,
           config: ConfigOpt = None) -> None:
    """What exploration memory holds: screens per app and the moves between them."""
    from ..agents.memory import ExplorationMemory

    mem = ExplorationMemory(_data_dir(config) / "memory")
    apps = [app_name.lower()] if app_name else mem.apps()
    if not apps:
        console.print(f"no app memory in {mem.path} yet")
        return
    for name in apps:
        screens = mem.screens(name)
        table = Table(title=f"{name}: {len(screens)} screens", title_justify="left")
        for col in ("screen", "labels", "moves"):
            table.add_column(col)
        for s in screens:
            labels = ", ".join(sorted(s.labels)[:8]) + (" ..." if len(s.labels) > 8 else "")
            moves = "; ".join(f"{k} -> {v}" for k, v in sorted(s.leads.items()))
            table.add_row(s.id, escape(labels), escape(moves))
        out.print(table)


def print_skills_bench(passes: list[PassResult], model: str) -> None:
    """The `fleetmind bench skills` report: totals per pass, then each task per pass."""
    first = passes[0]
    table = Table(title=f"phone tasks three times: learning, then memory, then skills ({model} as the local tier)",
                  title_justify="left")
    for col in ("pass", "succeeded", "steps", "model calls", "time s", "speed-up"):
        table.add_column(col)
    for p in passes:
        speedup = first.seconds / p.seconds if p.seconds else 0.0
        table.add_row(p.name, f"{p.succeeded}/{len(p.runs)}", str(p.steps), str(p.model_calls), f"{p.seconds:.1f}",
                      f"{speedup:.1f}x")
    out.print(table)
    detail = Table(title="per task: steps / model calls / seconds (replayed steps)", title_justify="left")
    detail.add_column("task")
    for p in passes:
        detail.add_column(p.name)
    for i, run in enumerate(first.runs):
        cells = []
        for p in passes:
            r = p.runs[i]
            mark = "" if r.ok else " [red]failed[/]"
            replayed = f" ({r.replayed})" if r.replayed else ""
            cells.append(f"{r.steps} / {r.model_calls} / {r.seconds:.1f}{replayed}{mark}")
        detail.add_row(escape(run.goal), *cells)
    out.print(detail)
    for p in passes:
        for r in p.runs:
            if not r.ok:
                out.print(f"[red]{p.name} failed:[/] {escape(r.goal)}: {escape(r.summary)}")

"""Where skills are kept: one JSON file per skill in a directory of the user's data.

The directory is `$FLEETMIND_DATA_DIR/skills`, else `$XDG_DATA_HOME/fleetmind/skills`,
else `~/.local/share/fleetmind/skills`. A file is a `Skill` as JSON, so a skill can be
read, edited, copied to another machine or written by hand. The store re-reads the
directory when it changed, so `fleetmind skills rm` is seen by a running device host.
"""

from __future__ import annotations

import logging
import os
import re
import tempfile
from pathlib import Path

from pydantic import ValidationError

from .model import Skill

__all__ = ["SkillStore", "default_data_dir"]

log = logging.getLogger(__name__)


def default_data_dir() -> Path:
    """fleetmind's data directory: $FLEETMIND_DATA_DIR, else $XDG_DATA_HOME/fleetmind,
    else ~/.local/share/fleetmind (skills, exploration memory and app cards live here)."""
    if explicit := os.environ.get("FLEETMIND_DATA_DIR"):
        return Path(explicit).expanduser()
    base = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
    return base / "fleetmind"


def write_atomically(path: Path, text: str) -> None:
    """Replace `path` with `text` so a reader sees the old file or the new one, never half of one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


class SkillStore:
    """Skills as JSON files in one directory (created when the first skill is saved)."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path).expanduser()
        self._skills: dict[str, Skill] = {}
        self._problems: dict[str, str] = {}
        self._seen: tuple[int, int] | None = None

    @classmethod
    def default(cls) -> SkillStore:
        """The store in the user's data directory (see `default_data_dir`)."""
        return cls(default_data_dir() / "skills")

    def _file(self, name: str) -> Path:
        return self.path / f"{name}.json"

    def _refresh(self) -> None:
        try:
            st = self.path.stat()
            stamp = (st.st_mtime_ns, len(os.listdir(self.path)))
        except FileNotFoundError:
            self._skills, self._problems, self._seen = {}, {}, None
            return
        if stamp == self._seen:
            return
        skills, problems = {}, {}
        for file in sorted(self.path.glob("*.json")):
            try:
                skill = Skill.model_validate_json(file.read_text(encoding="utf-8"))
            except (OSError, ValidationError, ValueError) as exc:
                problems[file.name] = str(exc).splitlines()[0]
                continue
            skills[skill.name] = skill
        self._skills, self._problems, self._seen = skills, problems, stamp

    def all(self) -> list[Skill]:
        """Every readable skill, by name."""
        self._refresh()
        return [self._skills[n] for n in sorted(self._skills)]

    def problems(self) -> dict[str, str]:
        """Files in the directory that are not valid skills: file name -> why."""
        self._refresh()
        return dict(self._problems)

    def get(self, name: str) -> Skill | None:
        """The skill called `name`, or None."""
        self._refresh()
        return self._skills.get(name)

    def add(self, skill: Skill) -> Path:
        """Save `skill` (replacing one of the same name); returns its file."""
        file = self._file(skill.name)
        write_atomically(file, skill.model_dump_json(indent=2) + "\n")
        self._refresh()
        self._skills[skill.name] = skill
        return file

    def remove(self, name: str) -> bool:
        """Delete the skill called `name`; False when there is none."""
        file = self._file(name)
        if not re.fullmatch(r"[A-Za-z_][\w\-]*", name) or not file.exists():
            return False
        file.unlink()
        self._refresh()
        return True

    def free_name(self, base: str) -> str:
        """`base`, or `base-2`, `base-3` ... whichever no skill has yet."""
        self._refresh()
        name, n = base, 1
        while name in self._skills:
            n += 1
            name = f"{base}-{n}"
        return name

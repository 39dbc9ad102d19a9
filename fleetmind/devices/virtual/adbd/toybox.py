"""The toybox tools of a virtual phone's shell: date echo cat ls rm mkdir md5sum grep id whoami sleep true false."""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, datetime

from .handset import Handset
from .shell import Command, Outcome, UsageError

__all__ = ["TOYBOX"]


def echo(h: Handset, argv: list[str], stdin: bytes) -> Outcome:
    """`echo [-n] ARGS`."""
    args = argv[1:]
    newline = "\n"
    if args[:1] == ["-n"]:
        args, newline = args[1:], ""
    return Outcome.text(" ".join(args) + newline)


def cat(h: Handset, argv: list[str], stdin: bytes) -> Outcome:
    """`cat [FILE...]` (stdin when none), at most 1 MiB per file."""
    if len(argv) == 1:
        return Outcome(stdin)
    return Outcome(b"".join(h.files.read_all(p) for p in argv[1:]))


def ls(h: Handset, argv: list[str], stdin: bytes) -> Outcome:
    """`ls [-l] [-a] [PATH...]`."""
    long = any(a.startswith("-") and "l" in a for a in argv[1:])
    paths = [a for a in argv[1:] if not a.startswith("-")] or ["/"]
    lines: list[str] = []
    for path in paths:
        found = h.files.stat(path)
        if found is None:
            return Outcome.text("\n".join(lines), f"ls: {path}: No such file or directory\n", 1)
        entries = h.files.listdir(path) if found.is_dir else [(path, found)]
        for name, st in entries:
            kind = "d" if st.is_dir else "-"
            lines.append(f"{kind}rwxrwx--x 1 shell shell {st.size:>8} 2025-06-02 09:00 {name}" if long else name)
    return Outcome.text("".join(line + "\n" for line in lines))


def rm(h: Handset, argv: list[str], stdin: bytes) -> Outcome:
    """`rm [-f] [-r] PATH...`."""
    flags = "".join(a[1:] for a in argv[1:] if a.startswith("-"))
    errors = []
    for path in (a for a in argv[1:] if not a.startswith("-")):
        if h.files.stat(path) is None:
            if "f" not in flags:
                errors.append(f"rm: {path}: No such file or directory\n")
            continue
        h.files.remove(path, recursive="r" in flags or "R" in flags)
    return Outcome.text(err="".join(errors), status=1 if errors else 0)


def mkdir(h: Handset, argv: list[str], stdin: bytes) -> Outcome:
    """`mkdir [-p] DIR...`."""
    for path in (a for a in argv[1:] if not a.startswith("-")):
        h.files.mkdir(path)
    return Outcome()


def md5sum(h: Handset, argv: list[str], stdin: bytes) -> Outcome:
    """`md5sum FILE...` (what uiautomator2 checks its pushed jar with)."""
    lines: list[str] = []
    errors: list[str] = []
    for path in argv[1:]:
        if h.files.stat(path) is None:
            errors.append(f"md5sum: {path}: No such file or directory\n")
            continue
        digest = hashlib.md5()  # noqa: S324 - a file checksum, as md5sum prints
        for chunk in h.files.read(path):
            digest.update(chunk)
        lines.append(f"{digest.hexdigest()}  {path}\n")
    return Outcome.text("".join(lines), "".join(errors), 1 if errors else 0)


def grep(h: Handset, argv: list[str], stdin: bytes) -> Outcome:
    """`grep [-E|-F] [-i] [-v] [-q] PATTERN`: filter stdin."""
    flags = "".join(a[1:] for a in argv[1:] if a.startswith("-") and len(a) > 1)
    words = [a for a in argv[1:] if not a.startswith("-") or len(a) == 1]
    if not words:
        raise UsageError("usage: grep [-EFivq] PATTERN")
    pattern = re.escape(words[0]) if "F" in flags else words[0]
    regex = re.compile(pattern, re.IGNORECASE if "i" in flags else 0)
    lines = [ln for ln in stdin.decode(errors="replace").splitlines() if bool(regex.search(ln)) != ("v" in flags)]
    out = "" if "q" in flags else "".join(ln + "\n" for ln in lines)
    return Outcome.text(out, status=0 if lines else 1)


def id_(h: Handset, argv: list[str], stdin: bytes) -> Outcome:
    """`id` / `whoami`: the adb shell user."""
    if argv[0] == "whoami":
        return Outcome.text("shell\n")
    return Outcome.text(
        "uid=2000(shell) gid=2000(shell) groups=2000(shell),1004(input),1007(log) context=u:r:shell:s0\n"
    )


def sleep(h: Handset, argv: list[str], stdin: bytes) -> Outcome:
    """`sleep SECONDS`: the virtual clock moves on; nothing waits."""
    h.phone.state.now += float(argv[1]) if len(argv) > 1 else 0.0
    return Outcome()


def true(h: Handset, argv: list[str], stdin: bytes) -> Outcome:
    """`true` / `false`."""
    return Outcome(status=0 if argv[0] == "true" else 1)


def date_(h: Handset, argv: list[str], stdin: bytes) -> Outcome:
    """`date [+FORMAT]` on the virtual clock (UTC), as strftime reads the format."""
    now = datetime.fromtimestamp(h.phone.state.now, UTC)
    fmt = argv[1][1:] if len(argv) > 1 and argv[1].startswith("+") else "%a %b %d %H:%M:%S UTC %Y"
    return Outcome.text(now.strftime(fmt) + "\n")


TOYBOX: dict[str, Command] = {
    "cat": cat,
    "date": date_,
    "echo": echo,
    "false": true,
    "grep": grep,
    "id": id_,
    "ls": ls,
    "md5sum": md5sum,
    "mkdir": mkdir,
    "rm": rm,
    "sleep": sleep,
    "true": true,
    "whoami": id_,
}
"""Command name -> implementation."""

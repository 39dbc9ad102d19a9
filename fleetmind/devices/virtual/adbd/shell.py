"""A small POSIX-ish shell over a virtual phone: what `adb shell <line>` runs.

Enough of `sh` for the command lines ADB clients send: quoting ('...', "...",
backslash), `;` `&&` `||` `&` and newlines between commands, `|` pipes,
`>` `>>` `2>` `2>&1` `<` redirections, `VAR=value` prefixes, `$?`, `sh -c`
and `exit`. Commands themselves live in `commands.py`. Pure: no sockets.
"""

from __future__ import annotations

import logging
import posixpath
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from fleetmind.devices.base import DeviceError

from .files import FilesError
from .handset import Handset

__all__ = [
    "Command",
    "Hang",
    "Outcome",
    "Shell",
    "ShellResult",
    "ShellSyntaxError",
    "UsageError",
    "tokenize",
]

log = logging.getLogger(__name__)

_STATUS = "\x00?"  # stands for $? until the command runs; adb command lines cannot hold NUL
_OPS = ("&&", "||", ">>", ";", "|", "&", ">", "<", "\n")
_ASSIGNMENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*=")
MAX_OUTPUT = 32 << 20  # what one command line may print before it is cut


class ShellSyntaxError(Exception):
    """The command line does not parse (e.g. an unterminated quote)."""


class UsageError(Exception):
    """A command was called wrongly; the message is printed as its error output."""


class Hang(Exception):
    """The command never finishes (a stuck `uiautomator dump`); the caller waits for the client to give up."""


@dataclass
class Outcome:
    """What one command did: its stdout, stderr and exit status."""

    out: bytes = b""
    err: bytes = b""
    status: int = 0

    @classmethod
    def text(cls, out: str = "", err: str = "", status: int = 0) -> Outcome:
        """An outcome from text (UTF-8)."""
        return cls(out.encode(), err.encode(), status)


Command = Callable[[Handset, list[str], bytes], Outcome]
"""A command: (handset, argv, stdin) -> Outcome. argv[0] is the command's name."""


@dataclass
class ShellResult:
    """What a command line printed (stdout and stderr merged, as shell v1 does) and its status."""

    output: bytes
    status: int
    hung: bool = False


@dataclass
class _Simple:
    argv: list[str] = field(default_factory=list)
    redirects: list[tuple[str, str]] = field(default_factory=list)


def tokenize(line: str) -> list[tuple[bool, str]]:
    """Split a command line into (is_operator, text) tokens, handling quotes and escapes."""
    tokens: list[tuple[bool, str]] = []
    word: list[str] = []
    started = quoted = False

    def flush() -> None:
        nonlocal word, started, quoted
        if started:
            tokens.append((False, "".join(word)))
        word, started, quoted = [], False, False

    i, n = 0, len(line)
    while i < n:
        c = line[i]
        if c in " \t\r":
            flush()
            i += 1
        elif c == "'":
            end = line.find("'", i + 1)
            if end < 0:
                raise ShellSyntaxError("unterminated ' quote")
            word.append(line[i + 1 : end])
            started = quoted = True
            i = end + 1
        elif c == '"':
            i += 1
            while True:
                if i >= n:
                    raise ShellSyntaxError('unterminated " quote')
                c = line[i]
                if c == '"':
                    break
                if c == "\\" and i + 1 < n and line[i + 1] in '$`"\\\n':
                    word.append(line[i + 1])
                    i += 2
                elif line.startswith("$?", i):
                    word.append(_STATUS)
                    i += 2
                else:
                    word.append(c)
                    i += 1
            started = quoted = True
            i += 1
        elif c == "\\":
            if i + 1 < n and line[i + 1] != "\n":
                word.append(line[i + 1])
            started = quoted = True
            i += 2
        elif line.startswith("$?", i):
            word.append(_STATUS)
            started = True
            i += 2
        else:
            op = next((o for o in _OPS if line.startswith(o, i)), None)
            if op is None:
                word.append(c)
                started = True
                i += 1
                continue
            i += len(op)
            if op in (">", ">>", "<") and started and not quoted and "".join(word).isdigit():
                fd = "".join(word)  # `2>` : the digits name the file descriptor
                word, started = [], False
                op = fd + op
            else:
                flush()
            if op.endswith(">") and line.startswith("&", i):
                op += "&"
                i += 1
            tokens.append((True, ";" if op == "\n" else op))
    flush()
    return tokens


def _parse(tokens: list[tuple[bool, str]]) -> list[tuple[str, list[_Simple]]]:
    # [(connector before it, pipeline)], connector one of ; && ||
    items: list[tuple[str, list[_Simple]]] = []
    connector, pipeline, cmd = ";", [], _Simple()
    pending: str | None = None
    for is_op, text in tokens:
        if not is_op:
            if pending is not None:
                cmd.redirects.append((pending, text))
                pending = None
            else:
                cmd.argv.append(text)
            continue
        if pending is not None:
            raise ShellSyntaxError(f"syntax error: unexpected '{text}'")
        if text in (";", "&", "&&", "||", "|"):
            if cmd.argv or cmd.redirects:
                pipeline.append(cmd)
            elif text == "|" or (text in ("&&", "||") and not pipeline):
                raise ShellSyntaxError(f"syntax error: unexpected '{text}'")
            cmd = _Simple()
            if text != "|":
                if pipeline:
                    items.append((connector, pipeline))
                connector, pipeline = ("&&" if text == "&&" else "||" if text == "||" else ";"), []
        else:
            pending = text
    if pending is not None:
        raise ShellSyntaxError("syntax error: a redirection needs a file name")
    if cmd.argv or cmd.redirects:
        pipeline.append(cmd)
    if pipeline:
        items.append((connector, pipeline))
    return items


class Shell:
    """Runs command lines on one handset with a table of commands."""

    def __init__(self, handset: Handset, commands: Mapping[str, Command]) -> None:
        self.handset = handset
        self.commands = commands

    def run(self, line: str) -> ShellResult:
        """Run a whole command line; never raises for what a shell would report itself."""
        try:
            items = _parse(tokenize(line))
        except ShellSyntaxError as exc:
            return ShellResult(f"/system/bin/sh: {exc}\n".encode(), 2)
        output = bytearray()
        status = 0
        for connector, pipeline in items:
            if (connector == "&&" and status != 0) or (connector == "||" and status == 0):
                continue
            stdin = b""
            for k, cmd in enumerate(pipeline):
                argv = [w.replace(_STATUS, str(status)) for w in cmd.argv]
                while argv and _ASSIGNMENT.match(argv[0]):
                    argv.pop(0)  # CLASSPATH=... app_process ...: the environment is not modelled
                if argv and argv[0] == "exit":
                    return ShellResult(bytes(output), _int(argv[1]) if len(argv) > 1 else status)
                try:
                    stdin = self._redirect_in(cmd, stdin)
                    result = self._call(argv, stdin) if argv else Outcome()
                    self._redirect_out(cmd, result)
                except Hang:
                    return ShellResult(bytes(output), 0, hung=True)
                except FilesError as exc:
                    result = Outcome.text(err=f"/system/bin/sh: {exc}\n", status=1)
                last = k == len(pipeline) - 1
                output += (result.out if last else b"") + result.err
                stdin = result.out
                status = result.status
                if len(output) > MAX_OUTPUT:
                    return ShellResult(bytes(output[:MAX_OUTPUT]), status)
        return ShellResult(bytes(output), status)

    def _call(self, argv: list[str], stdin: bytes) -> Outcome:
        name = posixpath.basename(argv[0])
        if name in ("toybox", "busybox") and len(argv) > 1:
            argv = argv[1:]
            name = argv[0]
        if name == "sh" and len(argv) > 2 and argv[1] == "-c":
            inner = self.run(argv[2])
            if inner.hung:
                raise Hang
            return Outcome(inner.output, b"", inner.status)
        command = self.commands.get(name)
        if command is None:
            return Outcome.text(err=f"/system/bin/sh: {argv[0]}: not found\n", status=127)
        try:
            return command(self.handset, [name, *argv[1:]], stdin)
        except Hang:
            raise
        except DeviceError as exc:
            log.debug("%s: %s: %s", self.handset.serial, name, exc)
            return Outcome.text(err=f"Error: {exc}\n", status=1)
        except FilesError as exc:
            return Outcome.text(err=f"{name}: {exc}\n", status=1)
        except (UsageError, ValueError) as exc:
            return Outcome.text(err=f"{name}: {exc}\n", status=1)
        except Exception as exc:  # a bug in one command must not cost the client its connection
            log.exception("%s: %s crashed", self.handset.serial, name)
            return Outcome.text(err=f"{name}: internal error: {exc!r}\n", status=1)

    def _redirect_in(self, cmd: _Simple, stdin: bytes) -> bytes:
        for op, target in cmd.redirects:
            if op.endswith("<"):
                stdin = self.handset.files.read_all(target)
        return stdin

    def _redirect_out(self, cmd: _Simple, result: Outcome) -> None:
        for op, target in cmd.redirects:
            if op.endswith("<") or op.endswith("&"):
                continue  # 2>&1: stdout and stderr are merged anyway
            to_err = op.startswith("2")
            data = result.err if to_err else result.out
            if target != "/dev/null":
                files = self.handset.files
                if op.endswith(">>") and files.stat(target) is not None:
                    data = files.read_all(target, files.max_file_bytes) + data
                files.write(target, data)
            if to_err:
                result.err = b""
            else:
                result.out = b""


def _int(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        return 2

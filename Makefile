# shipshape: the template's own tasks. `make demo` and `make test` are all a fresh machine needs:
# demo only python3 >= 3.11, git and make; test installs the rest (scripts/bootstrap, as root).

SHELL := bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help
VENV := .venv/bin
# copier for the demo, in a venv of this checkout (scripts/tool-env): no system package, the
# system Python untouched.
TOOLS := .cache/tools/bin
DEMO_DIR ?= demo
# Pass pytest options through, e.g. `make test PYTEST_ARGS="-m render"`.
PYTEST_ARGS ?=
# The suite in parallel, one worker per processor (at most 4): tests that share a build, an
# engine or a rendered matrix stay in one worker (tests/schedule.py), handed out
# longest first in collection order. `make test PARALLEL=` runs it in one process.
PARALLEL ?= --numprocesses=auto --maxprocesses=4
# Temporary files outside /tmp/pytest-of-<user>: every pytest that starts (the generated
# projects' own test runs among them) takes the group and other permissions off that folder,
# while the backups layer lets PostgreSQL's account through to its clusters under it. One per
# checkout (pytest empties it at start), as short as pytest's own (socket paths have a limit).
BASETEMP ?= /tmp/shipshape-$(shell printf '%s' '$(CURDIR)' | md5sum | cut -c1-8)

.PHONY: help bootstrap demo check test test-layer benchmark docs clean release

help: ## List the targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-15s %s\n", $$1, $$2}'

bootstrap: ## Install every tool the tests need (idempotent)
	bash scripts/bootstrap

demo: ## Generate a project from the defaults into ./demo (DEMO_DIR=...); needs python3, git, make
	python3 scripts/tool-env demo
	rm -rf "$(DEMO_DIR)"
	# An absolute source path: a relative one would break `copier update` in the project.
	$(TOOLS)/copier copy --trust --defaults --vcs-ref HEAD "$(CURDIR)" "$(DEMO_DIR)"

# The template's own Python, wherever it lives: scripts/tool-env is Python without a .py suffix.
PYTHON_SOURCES := extensions migrations tests benchmarks scripts/tool-env docs/hooks
# The bash scripts, told apart from the Python ones by their shebang.
SHELL_SCRIPTS = $(shell grep -l '^\#!/usr/bin/env bash' scripts/*) .ci/run

check: ## Lint and type-check the template's own Python and shell scripts
	$(VENV)/ruff check $(PYTHON_SOURCES)
	$(VENV)/ruff format --check $(PYTHON_SOURCES)
	$(VENV)/mypy
	$(VENV)/shellcheck $(SHELL_SCRIPTS)

# The copy benchmark runs first, on a quiet machine: right after half an hour of the suite on
# every core, this kind of machine runs everything (the baseline too) about 1.4x slower.
test: bootstrap check ## Run the whole test suite, starting and stopping the services it needs
	$(VENV)/python -m benchmarks.copy_time
	bash scripts/services start all
	trap 'bash scripts/services stop all' EXIT; \
	$(VENV)/pytest $(PARALLEL) --basetemp=$(BASETEMP) --durations=30 $(PYTEST_ARGS)

test-layer: ## Run one layer without the set-up: make test-layer LAYER=render
	$(VENV)/pytest -m "$(LAYER)" --basetemp=$(BASETEMP) $(PYTEST_ARGS)

benchmark: bootstrap ## Print copy time (and, where built, API and backup benchmarks)
	$(VENV)/python -m benchmarks.copy_time

# Into .cache/site; `.venv/bin/mkdocs serve` previews while editing. NO_MKDOCS_2_WARNING hides
# the end-of-life notice (May 2027) Material prints on every build, not a warning of the build.
docs: ## Build the docs site (strict)
	NO_MKDOCS_2_WARNING=1 $(VENV)/mkdocs build --strict

clean: ## Remove generated demo and caches
	rm -rf "$(DEMO_DIR)" .pytest_cache .mypy_cache .ruff_cache

release: ## Tag the current commit as VERSION (x.y.z) and record it in RELEASES
	@[[ "$(VERSION)" =~ ^[0-9]+\.[0-9]+\.[0-9]+$$ ]] || { echo "usage: make release VERSION=x.y.z" >&2; exit 2; }
	@git diff --quiet HEAD || { echo "commit your work first" >&2; exit 2; }
	grep -q "^## v$(VERSION)$$" CHANGELOG.md || { echo "CHANGELOG.md has no '## v$(VERSION)' section" >&2; exit 2; }
	# A migration runs only for updates that reach its version: releasing below it would skip it.
	$(VENV)/python -c 'import sys; from packaging.version import Version; from tests.template_repo import migration_versions; above = [str(v) for v in migration_versions() if v > Version("$(VERSION)")]; sys.exit(f"copier.yml has migrations for {above}: release at least that version" if above else 0)'
	git tag -a "v$(VERSION)" -m "v$(VERSION)"
	echo "v$(VERSION) $$(git rev-parse HEAD)" >> RELEASES
	git commit --quiet -m "Record release v$(VERSION)" RELEASES

# Tandem: `make run` to start it, `make test` to test it. Both install what they need.
SHELL := /bin/bash
PYTHON ?= python
UV := $(PYTHON) -m uv
# Use the interpreter pyenv provides (.python-version), never a downloaded one.
export UV_PYTHON_DOWNLOADS := never
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
ARGS ?=

.PHONY: install run test lint bench manage fuzz clean

install: $(VENV)/.synced portal/static/vendor/.done

$(VENV)/.synced: pyproject.toml uv.lock
	@$(PYTHON) -m uv --version >/dev/null 2>&1 || $(PYTHON) -m pip install --quiet --disable-pip-version-check uv
	$(UV) sync --frozen
	@touch $@

portal/static/vendor/.done: portal/vendor.json portal/vendor.py portal/frontend/package-lock.json $(wildcard portal/frontend/src/*.js) $(VENV)/.synced
	$(PY) -m portal.vendor
	@touch $@

run: install
	DEBUG=$${DEBUG:-1} $(PY) manage.py migrate --noinput
	DEBUG=$${DEBUG:-1} $(PY) manage.py seed_demo --verbosity 0
	DEBUG=$${DEBUG:-1} $(PY) manage.py runall --port $(PORT)

# Any management command against the same database `make run` uses, e.g.
# make manage ARGS="add_member Alex --team sales --password 'a long passphrase'"
manage: install
	DEBUG=$${DEBUG:-1} $(PY) manage.py $(ARGS)

test: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports --no-cache
	$(PY) -m pytest $(ARGS)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports --no-cache

# The API fuzzed at length (make test runs a short seeded pass): every request as every role.
fuzz: install
	FUZZ_EXAMPLES=$${FUZZ_EXAMPLES:-100} FUZZ_EVERY_ROLE=1 $(PY) -m pytest tests/fuzz -p no:randomly $(ARGS)

bench: install
	$(PY) bench/run.py $(ARGS)

clean:
	rm -rf var/ staticfiles/ portal/static/vendor/ .pytest_cache

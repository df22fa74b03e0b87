# Two commands: `make demo` and `make test` (CONTRACT 2). Both set up everything they need.
VENV   := .venv
PY     := $(VENV)/bin/python
UR     := $(VENV)/bin/ultrarun
STAMP  := $(VENV)/.installed-stamp
PYTEST_ARGS ?=

.PHONY: setup demo test lint bench clean test-tools

$(STAMP): pyproject.toml
	@test -x $(PY) || python3 -m venv $(VENV)
	@$(PY) -m pip install -q --disable-pip-version-check --upgrade pip
	@$(PY) -m pip install -q --disable-pip-version-check -e '.[dev,ray]'
	@touch $@

# Engine (installs docker.io and starts dockerd when root with apt) and base image; quiet
# and quick when both are there already.
setup: $(STAMP)
	@$(UR) sandbox build --quiet --logs logs

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

bench: setup
	@for b in benchmarks/*.py; do echo "== $$b"; $(PY) $$b || exit 1; done

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache

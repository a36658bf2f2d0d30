# Two commands on a fresh machine: `make run` and `make test`. Both set up what they need.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cat requirements.lock pyproject.toml | cksum | cut -d' ' -f1)
DATA   ?= data
OUT    ?= out

.PHONY: run test bench lint setup browser editor virtuoso clean

run: $(STAMP) editor
	$(BIN)/aikg run --data $(DATA) --out $(OUT)

test: $(STAMP) browser virtuoso
	$(BIN)/ruff check kg tests bench
	$(BIN)/python -m pytest -q

bench: $(STAMP) browser
	@for script in bench/bench_*.py; do echo "== $$script"; $(BIN)/python $$script || exit 1; done

lint: $(STAMP)
	$(BIN)/ruff check kg tests bench

setup: $(STAMP)

# The virtualenv with the locked versions; redone when requirements.lock or pyproject.toml change.
$(STAMP): requirements.lock pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.lock
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	rm -f $(VENV)/.installed-* && touch $@

# Debian's Chromium for the browser tests (never a browser download at run time).
browser: editor
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
	      || echo "warning: could not install chromium; browser tests will be skipped"; \
	  else echo "note: chromium missing and not root; browser tests will be skipped"; fi; }

# Debian's CodeMirror 5, which the endpoint's query page inlines (highlighting, completion).
editor:
	@test -f /usr/share/javascript/codemirror/mode/sparql/sparql.js || { \
	  if [ "$$(id -u)" = 0 ]; then \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libjs-codemirror >/dev/null) \
	      || echo "warning: could not install libjs-codemirror; the query page keeps a plain text area"; \
	  else echo "note: libjs-codemirror missing and not root; the query page keeps a plain text area"; fi; }

# Debian's Virtuoso server binaries for the second remote-store tests (tests/test_remote_virtuoso.py starts
# its own on loopback ports with a temporary database; the package installs no service).
virtuoso:
	@command -v virtuoso-t >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
	      virtuoso-opensource-7-bin >/dev/null) \
	      || echo "warning: could not install virtuoso-opensource-7-bin; Virtuoso tests will be skipped"; \
	  else echo "note: virtuoso-t missing and not root; Virtuoso tests will be skipped"; fi; }

clean:
	rm -rf $(OUT) .pytest_cache .ruff_cache

# Two commands on a fresh machine with Python >= 3.11 and make: `make run`, `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test test-long bench report lint format clean browser

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "recruitsim needs Python >= 3.11, found " + sys.version.split()[0])'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

run: $(STAMP)
	$(BIN)/recruitsim compare electrician-bergen --strategies all --replications 6 --out results/default

report: $(STAMP)
	$(BIN)/recruitsim bench --suite benchmarks/suite.toml --out results/standard

# The classroom page's browser test needs Chromium: install Debian's as root when it can,
# otherwise say so (the test then reports itself skipped with the reason).
browser:
	@command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 || \
	{ if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    apt-get install -y -q chromium || { apt-get update -q && apt-get install -y -q chromium; } || \
	    echo "make: could not install chromium; the browser tests will be skipped"; \
	  else echo "make: no chromium (apt-get install chromium); the browser tests will be skipped"; fi; }

test: $(STAMP) browser
	$(BIN)/python -m pytest -q

# The property suite over 2,000 random scenarios (make test runs 300), then the rest.
test-long: $(STAMP)
	RECRUITSIM_PROPERTY_CASES=2000 $(BIN)/python -m pytest -q

bench: $(STAMP)
	$(BIN)/python -m pytest benchmarks -q --benchmark-only

lint: $(STAMP)
	$(BIN)/ruff check . && $(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff format . && $(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) .pytest_cache .benchmarks

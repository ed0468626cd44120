# campaign-dashboard: `make run` starts the dashboard on the demo programme, `make test` runs the suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
WAREHOUSE ?= $(or $(CAMPAIGNS_WAREHOUSE),data/warehouse.duckdb)
PORT ?= 8501

.PHONY: install run demo test system-deps bench lint format clean screenshots

$(BIN)/campaigns: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(BIN)/campaigns

install: $(BIN)/campaigns

$(WAREHOUSE): | install
	$(BIN)/campaigns --warehouse $(WAREHOUSE) demo

demo: install
	$(BIN)/campaigns --warehouse $(WAREHOUSE) demo --force

# Listens on this machine only; `make run ADDRESS=0.0.0.0` listens on every interface (serve it
# to others behind a TLS proxy instead: docs/deployment.md). dashboard/server.py runs app.py
# with the route that sets the HttpOnly session cookie.
run: install $(WAREHOUSE)
	CAMPAIGNS_WAREHOUSE=$(WAREHOUSE) $(BIN)/streamlit run dashboard/server.py \
		--server.address $(or $(ADDRESS),127.0.0.1) --server.port $(PORT) \
		--server.headless true --browser.gatherUsageStats false

# Debian's chromium and LibreOffice Calc for the browser and workbook tests: installed when
# running as root with apt-get (not when CAMPAIGNS_NO_SYSTEM_INSTALL is set), else those tests
# skip and one line says what to install.
system-deps:
	@bash scripts/system-deps

test: install system-deps
	$(BIN)/pytest -n 2 --dist loadgroup -q -rs

# GROWTH=10 also measures a programme ten times larger (bench/growth.py, docs/benchmarks.md).
bench: install
	BENCH_GROWTH=$(GROWTH) $(BIN)/python -m bench.run

# Mutated files against the loader, about five minutes on two cores (docs/benchmarks.md,
# Fuzzing): CAMPAIGNS_FUZZ_EXAMPLES files in all, new ones each run (make test runs 150, fixed).
CAMPAIGNS_FUZZ_EXAMPLES ?= 2500
.PHONY: fuzz
fuzz: install
	CAMPAIGNS_FUZZ_EXAMPLES=$(CAMPAIGNS_FUZZ_EXAMPLES) $(BIN)/pytest -n 2 -q \
		--hypothesis-show-statistics tests/test_fuzz.py

# Every page per role (officer, grantee, viewer) and language (EN/RU/KK) of the demo programme
# in headless Chromium, into build/screenshots/ (index.html shows them); DOCS=1 also refreshes
# the pictures in docs/screenshots/.
screenshots: install system-deps
	$(BIN)/python scripts/screenshots.py $(if $(DOCS),--docs)

lint: install
	$(BIN)/ruff check etl cli dashboard tests bench scripts
	$(BIN)/ruff format --check etl cli dashboard tests bench scripts

format: install
	$(BIN)/ruff format etl cli dashboard tests bench scripts
	$(BIN)/ruff check --fix etl cli dashboard tests bench scripts

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache

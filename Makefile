# The two README commands: `make demo` and `make test`. Both create the virtual environment first.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: demo test test-fast golden lint demo-live bench bench-record rule-docs clean

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	@# setuptools prints an informational notice on every editable install ("be careful with folders
	@# named like the package"); it is not about this project's packaging, which installs without warnings.
	PYTHONWARNINGS=ignore::UserWarning $(BIN)/python -m pip install --quiet -e '.[dev,live]'
	touch $@

## Scan the bundled fixtures and print the report (the fixtures include non-compliant sites on purpose).
demo: $(BIN)/.installed
	@$(BIN)/hybrid-check scan fixtures --allow-empty; status=$$?; \
	echo; echo "hybrid-check exit code: $$status (0 pass, 1 gate failed, 2 input errors)"

## Linters and the whole test suite.
test: $(BIN)/.installed lint
	$(BIN)/python -m pytest

## The fast lane while working (under a minute): every test not marked `slow`, without the linters.
test-fast: $(BIN)/.installed
	$(BIN)/python -m pytest -m "not slow"

## Regenerate the golden files (report snapshots of the fixtures, format goldens) after a deliberate change.
golden: $(BIN)/.installed
	UPDATE_GOLDEN=1 $(BIN)/python -m pytest tests/test_golden_reports.py tests/test_report_json.py \
		tests/test_report_sarif.py tests/test_report_junit.py tests/test_report_markdown.py \
		tests/test_report_table.py tests/test_report_sample.py tests/test_table_fixtures_golden.py

lint: $(BIN)/.installed
	$(BIN)/ruff check checker tests benchmarks
	$(BIN)/mypy
	$(BIN)/python -m checker.policy.docs --check
	$(BIN)/python -m checker.views.docs --check

## An audit of a fake Azure estate served on 127.0.0.1 (no Azure account needed).
demo-live: $(BIN)/.installed
	$(BIN)/python -m tests.fakearm.demo

## Benchmarks: figures go to out/ (not tracked); `make bench-record` updates benchmarks/*.json.
bench: $(BIN)/.installed
	mkdir -p out
	$(BIN)/python benchmarks/bench_inputs.py --json out/bench_inputs.json
	$(BIN)/python benchmarks/bench_policies.py --json out/bench_policies.json
	$(BIN)/python benchmarks/bench_live.py --output out/bench_live.json
	$(BIN)/python benchmarks/bench_memory.py --json out/bench_memory.json
	$(BIN)/python benchmarks/bench_bicep.py --json out/bench_bicep.json
	$(BIN)/python benchmarks/bench_html.py --json out/bench_html.json

bench-record: $(BIN)/.installed
	$(BIN)/python benchmarks/bench_inputs.py --json benchmarks/bench_inputs.json
	$(BIN)/python benchmarks/bench_policies.py --json benchmarks/bench_policies.json
	$(BIN)/python benchmarks/bench_live.py --output benchmarks/bench_live.json
	$(BIN)/python benchmarks/bench_memory.py --json benchmarks/bench_memory.json
	$(BIN)/python benchmarks/bench_bicep.py --json benchmarks/bench_bicep.json
	$(BIN)/python benchmarks/bench_html.py --json benchmarks/bench_html.json

rule-docs: $(BIN)/.installed
	$(BIN)/python -m checker.policy.docs
	$(BIN)/python -m checker.views.docs

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .ruff_cache

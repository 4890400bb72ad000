# The verbs: make demo, make test, make lint, make bench.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEMO_STORE := demo/kamgraph.db

.PHONY: demo test lint bench examples clean browser

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	@mkdir -p demo
	@rm -f $(DEMO_STORE) $(DEMO_STORE)-wal $(DEMO_STORE)-shm
	$(BIN)/kamgraph sync examples/salesforce --store sqlite:///$(DEMO_STORE)
	$(BIN)/kamgraph sync examples/facts --format csv --store sqlite:///$(DEMO_STORE)
	$(BIN)/kamgraph accounts --store sqlite:///$(DEMO_STORE)
	$(BIN)/kamgraph audit --store sqlite:///$(DEMO_STORE) --as-of 2026-11-01 --format markdown -o demo/audit.md
	$(BIN)/kamgraph audit --store sqlite:///$(DEMO_STORE) --as-of 2026-11-01 --format json -o demo/audit.json
	$(BIN)/kamgraph plan "Acme Foods" --store sqlite:///$(DEMO_STORE) --as-of 2026-11-01 -o demo/plan-acme.md
	$(BIN)/kamgraph audit --store sqlite:///$(DEMO_STORE) --as-of 2026-11-01
	@echo
	@echo "Store:   $(DEMO_STORE)"
	@echo "Reports: demo/audit.md, demo/audit.json, demo/plan-acme.md"

# The map tests need Chromium: installed here from Debian's packages when we are root;
# without root they are skipped with the reason shown (CI requires them: .ci/run).
browser:
	@if [ -x /usr/bin/chromium ]; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		echo "Installing Chromium for the map tests"; \
		DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	else echo "No Chromium and no root: the browser tests will be skipped"; fi

test: $(STAMP) browser
	$(BIN)/python -m pytest -q

# mypy reads the package as a wheel lays it out: loaders/, viz/ and cypher/ inside kamgraph/.
lint: $(STAMP)
	$(BIN)/ruff check kamgraph loaders viz tests
	rm -rf build/typed && mkdir -p build/typed
	cp -r kamgraph build/typed/kamgraph
	cp -r loaders build/typed/kamgraph/loaders
	cp -r viz build/typed/kamgraph/viz
	cd build/typed && ../../$(BIN)/mypy -p kamgraph

bench: $(STAMP)
	$(BIN)/python benchmarks/bolt_sync.py --accounts 100 500

examples: $(STAMP)
	$(BIN)/kamgraph generate --example -o examples/salesforce

clean:
	rm -rf $(VENV) demo build dist *.egg-info tests/neo4j/target

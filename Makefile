# ARS AI Voice: set-up, server, tests and demo.
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
PORT ?= 8080

.PHONY: run test install install-dev lint format demo

$(PY):
	python3 -m venv $(VENV)
	$(PIP) install -q --upgrade pip

$(VENV)/.installed: requirements.txt | $(PY)
	$(PIP) install -q -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements-dev.txt requirements.txt | $(PY)
	$(PIP) install -q -r requirements-dev.txt
	touch $(VENV)/.installed $@

install: $(VENV)/.installed

install-dev: $(VENV)/.installed-dev

run: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py serve --host 0.0.0.0 --port $(PORT)

test: install-dev
	$(PY) -m pytest $(PYTEST_ARGS)

lint: install-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: install-dev
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

.PHONY: bench
# Figures, not tests: latency/CPU/memory of the bridge against a bare relay, then a short soak.
bench: install
	$(PY) bench/bridge_latency.py
	$(PY) bench/soak.py

# Offline demo: fake OpenAI Realtime + the server + simulated Korean calls; prints a login.
demo: install
	$(PY) manage.py run_demo --port $(PORT)

# Two entry points for a fresh machine with Python 3.11 and pip (see README).
PYTHON ?= python3

.PHONY: demo test install-dev browser lint

demo:
	$(PYTHON) -m pip install -q -e .
	nanduti demo

install-dev:
	$(PYTHON) -m pip install -q -e ".[dev]"

# Debian's Chromium drives the browser tests (Playwright never downloads a browser here).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "Instalando chromium de Debian / installing Debian's chromium"; \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium) \
	  || { echo "No se pudo instalar chromium / could not install chromium (run as root?)"; exit 1; }; }

lint: install-dev
	ruff check src tests benchmarks
	ruff format --check src tests benchmarks
	lint-imports
	mypy src

test: install-dev browser lint
	$(PYTHON) -m pytest

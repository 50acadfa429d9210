# Two commands do everything on a fresh machine: `make demo` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint typecheck unit web-check bench clean

# The JavaScript Yjs client (yjs@13 + y-websocket@3) that the live-timeline tests and bench drive.
JS_CLIENT := tests/studio/js

# The browser studio (web/: React + TypeScript + Vite), built into web/dist, which `shotline serve`
# serves; its browser tests run in Debian's Chromium (`playwright install` cannot download here).
WEB := web
WEB_STAMP := $(WEB)/node_modules/.installed
WEB_DIST := $(WEB)/dist/index.html
WEB_SOURCES := $(shell find $(WEB)/src $(WEB)/public -type f 2>/dev/null) $(WEB)/index.html $(WEB)/vite.config.ts $(WEB)/tsconfig.json
CHROMIUM := /usr/bin/chromium
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

$(STAMP): pyproject.toml $(JS_CLIENT)/package-lock.json
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	npm ci --prefix $(JS_CLIENT) --no-audit --no-fund --loglevel=error
	touch $(STAMP)

$(WEB_STAMP): $(WEB)/package-lock.json
	npm ci --prefix $(WEB) --no-audit --no-fund --loglevel=error
	touch $(WEB_STAMP)

$(WEB_DIST): $(WEB_STAMP) $(WEB_SOURCES)
	npm run --prefix $(WEB) build

$(CHROMIUM):
	$(SUDO) apt-get install -y --no-install-recommends chromium || \
	  ($(SUDO) apt-get update && $(SUDO) apt-get install -y --no-install-recommends chromium)

FILM_IDEA ?= a stranded astronaut on the moon walks around and discovers nature

# The idea-to-film run (YOLO, offline providers) prints the paths of the film, its timeline, its
# script and its storyboard; the timeline demo (mixed-rate clips, exports) runs first.
demo: $(STAMP) $(WEB_DIST)
	$(BIN)/shotline demo --out out/demo
	SHOTLINE_DATA=out/film/studio $(BIN)/shotline film "$(FILM_IDEA)" --yolo -o out/film/film.mp4
	@echo "The browser studio: $(BIN)/shotline serve, then http://127.0.0.1:8000 (its first start prints the admin password)"

test: lint typecheck web-check unit

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

# TypeScript strict + eslint + the UI logic's unit tests (Vitest).
web-check: $(WEB_STAMP)
	npm run --prefix $(WEB) typecheck
	npm run --prefix $(WEB) lint
	npm run --prefix $(WEB) test

typecheck: $(STAMP)
	$(BIN)/mypy

unit: $(STAMP) $(WEB_DIST) $(CHROMIUM)
	$(BIN)/pytest -q -n 2 --dist loadfile

bench: $(STAMP) $(WEB_DIST) $(CHROMIUM)
	$(BIN)/python bench/cli.py
	$(BIN)/python bench/frame_access.py
	$(BIN)/python bench/render.py
	$(BIN)/python bench/film.py
	$(BIN)/python bench/jobs.py
	$(BIN)/python bench/timeline_edit.py
	$(BIN)/python bench/collab_propagation.py
	$(BIN)/python bench/web_timeline.py

clean:
	rm -rf $(VENV) out bench/.cache .pytest_cache .mypy_cache .ruff_cache $(JS_CLIENT)/node_modules $(WEB)/node_modules $(WEB)/dist

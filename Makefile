# Two commands do everything on a fresh machine: `make demo` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint typecheck unit bench clean

# The JavaScript Yjs client (yjs@13 + y-websocket@3) that the live-timeline tests and bench drive.
JS_CLIENT := tests/studio/js

$(STAMP): pyproject.toml $(JS_CLIENT)/package-lock.json
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	npm ci --prefix $(JS_CLIENT) --no-audit --no-fund --loglevel=error
	touch $(STAMP)

FILM_IDEA ?= a stranded astronaut on the moon walks around and discovers nature

# The idea-to-film run (YOLO, offline providers) prints the paths of the film, its timeline, its
# script and its storyboard; the timeline demo (mixed-rate clips, exports) runs first.
demo: $(STAMP)
	$(BIN)/shotline demo --out out/demo
	SHOTLINE_DATA=out/film/studio $(BIN)/shotline film "$(FILM_IDEA)" --yolo -o out/film/film.mp4

test: lint typecheck unit

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

typecheck: $(STAMP)
	$(BIN)/mypy

unit: $(STAMP)
	$(BIN)/pytest -q -n 2

bench: $(STAMP)
	$(BIN)/python bench/cli.py
	$(BIN)/python bench/frame_access.py
	$(BIN)/python bench/render.py
	$(BIN)/python bench/film.py
	$(BIN)/python bench/jobs.py
	$(BIN)/python bench/timeline_edit.py
	$(BIN)/python bench/collab_propagation.py

clean:
	rm -rf $(VENV) out bench/.cache .pytest_cache .mypy_cache .ruff_cache $(JS_CLIENT)/node_modules

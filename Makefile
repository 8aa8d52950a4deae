# make demo: run the whole course headless     make test: run every test
# make lab:  open JupyterLab on lessons/        make lessons: rebuild lessons/ from solutions/
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lab lessons checks clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/python -m catdog_lib demo

test: $(STAMP)
	$(BIN)/python -m pytest checks --reference -q
	$(BIN)/python -m pytest --nbval-lax solutions/ -q
	$(BIN)/python tests/e2e/colab_env.py  # Colab's versions for the Colab test: built once per machine, timed
	$(BIN)/python -m pytest tests

lab: $(STAMP)
	$(BIN)/jupyter lab lessons/

lessons: $(STAMP)
	$(BIN)/python -m catdog_lib build

checks: $(STAMP)
	$(BIN)/python -m pytest checks

clean:
	rm -rf $(VENV) my_pieces runs demo_runs

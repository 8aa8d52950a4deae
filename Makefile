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
	# An editable install skips pyproject's data-files: link the built JupyterLab extension and switch
	# its server extension on by hand, as a wheel install does (make lab then shows the Course panel).
	mkdir -p $(VENV)/share/jupyter/labextensions $(VENV)/etc/jupyter/jupyter_server_config.d
	ln -sfn $(CURDIR)/catdog_lib/labextension $(VENV)/share/jupyter/labextensions/catdog-course
	cp jupyter-config/server-config/catdog_lib.json $(VENV)/etc/jupyter/jupyter_server_config.d/
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

# ServiceCoach: every target installs and trains what it needs first.
#   make run    the coach in the terminal (action server + rasa shell)
#   make serve  action server + Rasa REST API on 127.0.0.1:5005 (+ Telegram bridge if TELEGRAM_BOT_TOKEN is set)
#   make test   validate data, train, test stories, pytest
#   make bench  latency, training time, held-out NLU accuracy, language detection, Telegram bridge overhead

SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
RASA := $(VENV)/bin/rasa
# Rasa's CLI with our speed fixes (bot/rasa_cli.py); bot/stack.py serves and runs the shell through it too.
RASA_FAST := $(PY) -m bot.rasa_cli
MODEL := models/coach.tar.gz
SPACY_MODEL := build/spacy_coach
export RASA_TELEMETRY_ENABLED := false
export TF_CPP_MIN_LOG_LEVEL := 2

# Python 3.10 exactly: the pyenv shim may exist without 3.10 being active, so try each candidate.
PYTHON310 ?= $(shell for p in "$$(command -v python3.10)" $$HOME/.pyenv/versions/3.10*/bin/python3.10; do \
	if [ -x "$$p" ] && "$$p" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 10))' 2>/dev/null; then echo "$$p"; break; fi; done)

TRAINING_DATA := config.yml domain.yml lexicon/concepts.yml $(wildcard nlu_components/*.py) $(shell find data -name '*.yml' 2>/dev/null)

.PHONY: install spacy train validate run serve test test-stories pytest bench clean

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	@test -n "$(PYTHON310)" || { echo "python3.10 not found (tried PATH and ~/.pyenv/versions/3.10*)"; exit 1; }
	@test -x $(PY) || $(PYTHON310) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip "setuptools<70" wheel
	$(PY) -m pip install --quiet -e ".[dev]"
	@touch $@

spacy: $(SPACY_MODEL)/meta.json

$(SPACY_MODEL)/meta.json: spacy_pipeline/build.py spacy_pipeline/channels.yml locale/languages.yml | $(VENV)/.installed
	$(PY) spacy_pipeline/build.py $(SPACY_MODEL)

train: $(MODEL)

# Data validation is its own step (`make validate`, first in `make test`, with --fail-on-warnings),
# so training skips Rasa's second pass over the same files.
$(MODEL): $(TRAINING_DATA) $(SPACY_MODEL)/meta.json
	$(RASA_FAST) train --skip-validation --config config.yml --domain domain.yml --data data --out models --fixed-model-name coach

validate: $(SPACY_MODEL)/meta.json
	$(RASA) data validate --config config.yml --domain domain.yml --data data --fail-on-warnings

run: $(MODEL)
	$(PY) -m bot.stack shell

serve: $(MODEL)
	$(PY) -m bot.stack serve

test-stories: $(MODEL)
	$(RASA) test core --model $(MODEL) --stories tests --e2e --fail-on-prediction-errors --out results

pytest: $(MODEL)
	$(PY) -m pytest

test: validate test-stories pytest

bench: $(MODEL)
	$(PY) -m bench.run
	$(PY) bench/bridge_latency.py --fake-rasa

clean:
	rm -rf build models results .rasa

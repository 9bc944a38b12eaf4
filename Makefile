# Borgerblik. Quick start: `make run` (demo on SQLite) and `make test` (the whole suite).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 5000
HOST ?= 127.0.0.1
DKFDS := survey/static/vendor/dkfds
FONTS := survey/static/vendor/fonts
DEMO_ENV := BORGERBLIK_DEMO=1

.PHONY: run test install install-test assets translations migrate demo lint format bench clean messages

run: install assets translations migrate
	@$(DEMO_ENV) $(BIN)/flask --app wsgi demo --json > instance/demo.json
	@$(DEMO_ENV) $(BIN)/flask --app wsgi outbox work --once > /dev/null
	@$(BIN)/python -c "import json; d = json.load(open('instance/demo.json')); \
	print('\nBorgerblik starts on http://$(HOST):$(PORT)/ in a moment, once gunicorn below says it is listening (Ctrl+C stops it)'); \
	print('Citizen link (invitation):', d['citizen_links'][0]); \
	print('Open link (QR poster):    ', d['open_link']); \
	print('Staff login at http://$(HOST):$(PORT)/login'); \
	[print('  %-9s %s  %s / %s' % (u['role'], u['municipality'], u['email'], u['password'])) for u in d['users']]; \
	print('Demo round for its administrator:', d['admin_round_url']); \
	print('Messages Borgerblik sent to invented citizens (click the links): instance/outbox/'); \
	print('Deliver due messages again: BORGERBLIK_DEMO=1 $(BIN)/flask --app wsgi outbox work --once'); \
	print('More links: instance/demo.json\n')"
	$(DEMO_ENV) $(BIN)/gunicorn -c gunicorn.conf.py --bind $(HOST):$(PORT) --workers 2 wsgi:app

test: install-test assets translations
	@command -v chromium >/dev/null || [ -x /usr/bin/chromium ] || $(MAKE) --no-print-directory chromium
	$(BIN)/ruff check .
	$(BIN)/lint-imports --no-cache
	$(BIN)/mypy
	$(BIN)/python -m pytest $(PYTEST_ARGS)

$(VENV)/.stamp-python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	@touch $@

$(VENV)/.stamp-install: $(VENV)/.stamp-python pyproject.toml
	$(BIN)/pip install --quiet -e .
	@touch $@

$(VENV)/.stamp-install-test: $(VENV)/.stamp-install pyproject.toml
	$(BIN)/pip install --quiet -e '.[test]'
	@touch $@

install: $(VENV)/.stamp-install
install-test: $(VENV)/.stamp-install-test

node_modules/.stamp: package.json
	@command -v npm >/dev/null || { echo "npm is missing: apt-get install nodejs npm"; exit 1; }
	npm install --no-audit --no-fund --loglevel=error
	@touch $@

$(DKFDS)/.stamp: node_modules/.stamp
	rm -rf $(DKFDS) && mkdir -p $(DKFDS)
	cp -r node_modules/dkfds/dist/css node_modules/dkfds/dist/fonts node_modules/dkfds/dist/img node_modules/dkfds/dist/js $(DKFDS)/
	@touch $@

# Noto Sans Arabic and Ethiopic, self-hosted: a phone without them shows no empty boxes.
# Only the Arabic and Ethiopic subsets in the weights the pages use; one CSS file of @font-face.
$(FONTS)/.stamp: node_modules/.stamp
	rm -rf $(FONTS) && mkdir -p $(FONTS)/files
	for font in arabic ethiopic; do for weight in 400 600 700; do \
	  cp node_modules/@fontsource/noto-sans-$$font/files/noto-sans-$$font-$$font-$$weight-normal.woff2 $(FONTS)/files/; \
	  sed -n '1,/^}/p' node_modules/@fontsource/noto-sans-$$font/$$font-$$weight.css \
	    | sed 's#, url([^)]*\.woff) format(.woff.)##' >> $(FONTS)/fonts.css; \
	done; done
	cp node_modules/@fontsource/noto-sans-arabic/LICENSE $(FONTS)/LICENSE
	@touch $@

assets: $(DKFDS)/.stamp $(FONTS)/.stamp

translations: install
	@$(BIN)/pybabel compile -d survey/translations > /dev/null

messages: install
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -o survey/translations/messages.pot --no-location --sort-output --project Borgerblik .
	$(BIN)/pybabel update -i survey/translations/messages.pot -d survey/translations --no-fuzzy-matching

migrate: install
	@mkdir -p instance
	$(DEMO_ENV) $(BIN)/flask --app wsgi db upgrade

chromium:
	apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium

lint:
	$(BIN)/ruff check . && $(BIN)/ruff format --check . && $(BIN)/lint-imports --no-cache && $(BIN)/mypy

format:
	$(BIN)/ruff check --fix . && $(BIN)/ruff format .

bench: install-test assets translations
	$(BIN)/python bench/load.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) node_modules $(DKFDS) $(FONTS) instance .pytest_cache

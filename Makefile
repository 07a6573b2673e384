# The two commands a new user needs: `make demo` and `make test`.
VENV ?= .venv
PY := $(VENV)/bin/python
BIN := $(VENV)/bin
PYTHON ?= python3

.PHONY: demo test bench lint browser env clean

# make demo CRM=salesforce (or capsule): the demo's connected CRM
CRM ?= hubspot

env: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q -U pip
	$(BIN)/pip install -q -e '.[test]'
	touch $@

# Browser tests drive Debian's chromium (Playwright's own download cannot work offline).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    (apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium) >/dev/null; \
	  else echo "chromium is not installed and cannot be installed here: browser tests will be skipped"; fi; }

lint: env
	$(BIN)/ruff check .

test: env browser lint
	$(BIN)/pytest

bench: env
	$(PY) -m bench

# The whole system on its embedded default: sandbox servers with seeded data, panel, worker,
# and the Slack bot in socket mode when tokens are set (the sandbox's Slack view otherwise).
demo: export PATH := $(CURDIR)/$(BIN):$(PATH)
demo: env
	@[ -f .env ] || { cp .env.demo .env; echo "created .env from .env.demo (points at the sandbox)"; }
	$(BIN)/honcho run -e .env.demo $(BIN)/syncdesk init --demo
	$(BIN)/honcho run -e .env.demo $(BIN)/syncdesk settings set crm $(CRM)
	@# The sandbox keeps webhook subscriptions in memory: register them once it is up, seed
	@# the Salesforce org's demo opportunity, and map the CRM's stages, price books or
	@# milestones (core/demo.py) so sales move at once.
	@( sleep 6; $(BIN)/honcho run -e .env.demo $(BIN)/syncdesk webhooks register >/dev/null 2>&1; \
	   $(PY) -c "import requests; requests.post('http://127.0.0.1:8100/_sandbox/salesforce/demo')" \
	     >/dev/null 2>&1; \
	   $(BIN)/honcho run -e .env.demo $(BIN)/syncdesk demo-setup ) &
	$(BIN)/honcho -e .env.demo start

clean:
	rm -rf $(VENV) instance/demo*.db* instance/huey-demo.db*

"""Shared fixtures: a running sandbox (HTTP), a fresh store, a Config pointing at both."""

import os
import shutil
from pathlib import Path

import pytest
import requests

os.environ.setdefault("HUEY_IMMEDIATE", "1")
os.environ["SYNCDESK_DOTENV"] = ""  # a developer's .env (make demo writes one) stays out of tests

from core import config as configuration  # noqa: E402
from core import schema, settings, store  # noqa: E402
from core.connectors.hubspot import HubSpot  # noqa: E402
from core.sales import stages  # noqa: E402

CIN7_ACCOUNT, CIN7_KEY, HUBSPOT_TOKEN = "sandbox-account", "sandbox-key", "pat-na1-sandbox"
# The sandbox runs without rate limits in tests unless a test asks for them: the client's own
# limiter and retries are exercised by tests that switch them on.
FAST = {"cin7_rate_per_minute": 0, "hubspot_rate_per_10s": 0, "hubspot_search_per_second": 0,
        "omni_rate_per_second": 0, "omni_rate_per_minute": 0}
OMNI_USER, OMNI_KEY = "sandbox-omni", "omni-sandbox-key"


class Sandbox:
    """The running sandbox and its control endpoints."""

    def __init__(self, url):
        self.url = url

    def reset(self, **options):
        r = requests.post(f"{self.url}/_sandbox/reset", json={**FAST, **options}, timeout=30)
        r.raise_for_status()

    def get(self, path, **params):
        r = requests.get(f"{self.url}/_sandbox/{path.lstrip('/')}", params=params, timeout=30)
        r.raise_for_status()
        return r.json()

    def fault(self, **spec):
        requests.post(f"{self.url}/_sandbox/faults", json=spec, timeout=10).raise_for_status()

    def clear_faults(self):
        requests.delete(f"{self.url}/_sandbox/faults", timeout=10).raise_for_status()

    def hubspot(self, object_type):
        data = self.get(f"hubspot/{object_type}")
        return data.get("results", data) if isinstance(data, dict) else data


@pytest.fixture(scope="session")
def sandbox_server():
    import sandbox

    app = sandbox.create_app({**FAST, "customers": 40})
    url, shutdown = sandbox.serve(app)
    yield Sandbox(url)
    shutdown()


@pytest.fixture
def sandbox(sandbox_server):
    sandbox_server.reset(customers=40)
    yield sandbox_server
    sandbox_server.clear_faults()


def make_config(tmp_path, url, **overrides):
    env = {
        "DATABASE_URL": f"sqlite:///{tmp_path / 'syncdesk.db'}",
        "CIN7_BASE_URL": f"{url}/cin7/ExternalApi/v2/",
        "CIN7_ACCOUNT_ID": CIN7_ACCOUNT, "CIN7_APPLICATION_KEY": CIN7_KEY,
        "HUBSPOT_BASE_URL": f"{url}/hubspot", "HUBSPOT_TOKEN": HUBSPOT_TOKEN,
        "CIN7_CALLS_PER_MINUTE": "0", "HUBSPOT_CALLS_PER_10S": "0",
        "HUBSPOT_SEARCHES_PER_SECOND": "0",
        "OMNI_BASE_URL": f"{url}/omni/api/", "OMNI_USERNAME": OMNI_USER, "OMNI_API_KEY": OMNI_KEY,
        "OMNI_CALLS_PER_SECOND": "0", "OMNI_CALLS_PER_MINUTE": "0",
        "RETRY_INITIAL": "0.01", "RETRY_MAX": "0.05", "HTTP_TIMEOUT": "5",
        "SECRET_KEY": "test-secret-key",
    }
    env.update({k.upper(): str(v) for k, v in overrides.items()})
    return configuration.load(env)


@pytest.fixture
def config(tmp_path, sandbox):
    import tasks

    cfg = make_config(tmp_path, sandbox.url)
    schema.init(cfg.database_url)
    settings.set("sync.enabled", "on")
    previous = tasks.app.config
    tasks.configure(cfg)  # runs enqueued in immediate mode use this test's store and sandbox
    yield cfg
    tasks.configure(previous)
    store.db.close()


@pytest.fixture
def importing(config, sandbox):
    return import_defaults(config, sandbox)


def import_defaults(config, sandbox):
    """Customers set to import, with the import defaults chosen from the sandbox's Cin7."""
    settings.set("customers.direction", "import")
    for key, value in {"import.currency": "USD", "import.payment_term": "30 days",
                       "import.tax_rule": "Tax Exempt", "import.revenue_account": "200",
                       "import.account_receivable": "610"}.items():
        settings.set(key, value)
    refs = requests.get(f"{sandbox.url}/cin7/ExternalApi/v2/ref/paymentterm",
                        headers={"api-auth-accountid": "sandbox-account",
                                 "api-auth-applicationkey": "sandbox-key"}, timeout=10).json()
    settings.set("import.payment_term", refs["PaymentTermList"][0]["Name"])
    taxes = requests.get(f"{sandbox.url}/cin7/ExternalApi/v2/ref/tax",
                         headers={"api-auth-accountid": "sandbox-account",
                                  "api-auth-applicationkey": "sandbox-key"}, timeout=10).json()
    settings.set("import.tax_rule", taxes["TaxRuleList"][0]["Name"])
    return config


STAGE_MAP = ("appointmentscheduled=ESTIMATING,decisionmakerboughtin=ESTIMATED,"
             "contractsent=ORDERED,closedwon=INVOICED,closedlost=VOIDED")


def sales_set_up(config, direction):
    """Sales synced `direction` over HubSpot's default pipeline, mapped as STAGE_MAP."""
    settings.set("sales.direction", direction)
    stages.load(HubSpot(config))
    settings.set("sales.pipeline", "default")
    settings.set("sales.stage_map", STAGE_MAP)
    return config


@pytest.fixture
def deals_in(importing, sandbox):
    sales_set_up(importing, "import")
    settings.set("sales.trigger_stage", "contractsent")
    return importing


@pytest.fixture
def exporting(config, sandbox):
    return sales_set_up(config, "export")


@pytest.fixture
def db(tmp_path):
    """A fresh store without the sandbox."""
    schema.init(f"sqlite:///{tmp_path / 'syncdesk.db'}")
    yield store.db
    store.db.close()


# -- a real browser: Debian's chromium driven by Playwright, one per test session -----------

ARTIFACTS = Path(__file__).resolve().parent / "browser" / "artifacts"
# Playwright adds the usual headless flags itself; --disable-gpu is the one it lacks.
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


def chromium_path():
    """Debian's chromium: the real binary, or the wrapper script in /usr/bin."""
    for candidate in ("/usr/lib/chromium/chromium", shutil.which("chromium"),
                      shutil.which("chromium-browser")):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    return None


@pytest.fixture(scope="session")
def chromium():
    path = chromium_path()
    if path is None:
        pytest.skip("browser tests need Debian's chromium (apt-get install chromium); "
                    "it is not installed here")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


@pytest.fixture
def tab(chromium, request):
    """A fresh browser tab (own cookies); a screenshot is kept if the test fails."""
    context = chromium.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(10_000)
    tab = context.new_page()
    yield tab
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        tab.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"), full_page=True)
    context.close()

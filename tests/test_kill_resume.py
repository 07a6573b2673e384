"""A sync killed with SIGKILL midway, run again: every record present once, the log says so."""

import os
import signal
import subprocess
import sys
import time

from core import cursors, runner, runs
from core.store import Run


def child_env(config):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CIN7_", "HUBSPOT_"))}
    env.update({"DATABASE_URL": config.database_url, "CIN7_BASE_URL": config.cin7_base_url,
                "CIN7_ACCOUNT_ID": config.cin7_account_id,
                "CIN7_APPLICATION_KEY": config.cin7_application_key,
                "HUBSPOT_BASE_URL": config.hubspot_base_url, "HUBSPOT_TOKEN": config.hubspot_token,
                "CIN7_CALLS_PER_MINUTE": "0", "HUBSPOT_CALLS_PER_10S": "0",
                "HUBSPOT_SEARCHES_PER_SECOND": "0", "CIN7_PAGE_SIZE": "5",
                "RETRY_INITIAL": "0.01", "RETRY_MAX": "0.05"})
    return env


def kill_when(child, ready, seconds=60):
    deadline = time.time() + seconds
    while time.time() < deadline and not ready():
        assert child.poll() is None, "the child ended before it could be killed"
        time.sleep(0.05)
    assert ready(), "the child never reached the point to kill it at"
    os.kill(child.pid, signal.SIGKILL)
    child.wait(10)


def test_killed_export_resumes_without_duplicates(config, sandbox):
    sandbox.fault(system="hubspot", kind="slow", count=10_000, delay=0.15)
    child = subprocess.Popen([sys.executable, "-c", "from web.cli import main; main()", "sync",
                              "customers"], env=child_env(config), stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL)
    deadline = time.time() + 60
    while time.time() < deadline and (cursors.describe("customers", "export")[1] or 0) < 2:
        time.sleep(0.05)
    os.kill(child.pid, signal.SIGKILL)
    child.wait(10)
    sandbox.clear_faults()
    killed_page = cursors.describe("customers", "export")[1]
    assert killed_page and killed_page >= 2, "the child never finished two pages"

    run = runner.sync(config, "customers", "export", page_size=5)
    assert run.status == "finished", run.message
    assert f"resumed after page {killed_page}" in run.message
    killed = Run.get(Run.id != run.id)
    assert killed.status == "failed" and "stopped" in killed.message

    customers = sandbox.get("cin7/customers")
    companies = sandbox.hubspot("companies")
    keys = [c["properties"]["cin7_customer_id"] for c in companies]
    assert sorted(keys) == sorted(c["ID"] for c in customers if c["Contacts"])
    emails = [c["properties"]["email"] for c in sandbox.hubspot("contacts")
              if c["properties"].get("email")]
    assert len(emails) == len(set(emails))
    wanted = {ct["Email"].lower() for c in customers for ct in c["Contacts"]
              if ct.get("Email") and "@" in ct["Email"]}
    assert wanted == set(emails)
    assert runs.active("customers", "export") is None

"""A JOOR upload killed with SIGKILL in its first bulk POST does not block the next one."""

import subprocess
import sys
from collections import Counter

from core import runner, runs
from core.store import Intent, Run
from tests.test_kill_resume import child_env, kill_when


def test_a_joor_upload_killed_in_its_first_bulk_post_does_not_block_the_next(jconfig, joor):
    joor.fault(kind="slow", delay=1.0, path="bulk-connection", count=1)
    env = {**child_env(jconfig), "JOOR_BASE_URL": jconfig.joor_base_url,
           "JOOR_TOKEN": jconfig.joor_token, "JOOR_CREDITS_PER_WINDOW": "0"}
    child = subprocess.Popen([sys.executable, "-c", "from web.cli import main; main()", "joor",
                              "upload"], env=env, stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL)
    kill_when(child, lambda: Intent.select().where(Intent.system == "joor").exists())

    again, _ = runs.request("joor", "upload", "cli")
    done = runner.execute(jconfig, again.id)  # no waiting for a lease to run out

    assert done.status == "finished", done.message
    killed = Run.get(Run.id != done.id)
    assert killed.status == "failed" and "worker stopped" in killed.message
    joor.advance(3600)
    codes = Counter(c["customer_code"] for c in joor.connections())
    assert codes and max(codes.values()) == 1
    active = {c["ID"] for c in joor.cin7() if c.get("Status", "Active") == "Active"}
    assert active <= set(codes) | {c.get("_source") for c in joor.connections()}

"""Attacks on the panel's inputs, written as the attack is: 404/400, never 500 or another site."""

import datetime

from core.accounts import LoginAttempt
from core.store import utcnow

HUGE = str(10**20)


def test_a_run_id_beyond_any_integer_is_404(panel):
    assert panel.get(f"/runs/{HUGE}").status_code == 404
    assert panel.get(f"/runs/{HUGE}/progress").status_code == 404


def test_a_before_cursor_beyond_any_integer_is_400(panel):
    assert panel.get(f"/runs/?before={HUGE}").status_code == 400


def test_back_on_the_joor_pages_never_leads_to_another_site(panel):
    rule = next(r for r in panel.client.application.url_map.iter_rules()
                if r.endpoint.startswith("joor.") and "POST" in r.methods
                and "refresh" in r.rule)
    for evil in ("https://evil.example/", "//evil.example/", "/\\evil.example"):
        r = panel.post(rule.rule, {"back": evil})
        assert r.status_code == 302 and "evil" not in r.headers["Location"]
        assert "/runs/" in r.headers["Location"]  # a refresh is a run: its page follows it


def test_a_megabyte_user_name_is_stored_short(anonymous):
    anonymous.post("/login", {"username": "x" * 100_000, "password": "wrong"})
    assert max(len(row.key) for row in LoginAttempt.select()) <= 80


def test_old_sign_in_attempts_of_any_name_are_purged(anonymous):
    long_ago = utcnow() - datetime.timedelta(days=2)
    for n in range(5):
        LoginAttempt.create(key=f"user:one-off-{n}", at=long_ago)
    anonymous.post("/login", {"username": "another", "password": "wrong"})
    assert not LoginAttempt.select().where(LoginAttempt.key.startswith("user:one-off")).exists()

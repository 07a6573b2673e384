"""Sign-in: every page needs it, attempts are limited across workers, forms need their token."""

import datetime

import pytest
from click.testing import CliRunner

from core import accounts, settings
from core.store import utcnow
from tests.web.conftest import PASSWORD, USER, Panel, text
from web import create_app
from web.cli import cli

PAGES = ["/", "/connections/", "/settings/", "/mappings/", "/runs/", "/customers/",
         "/customers/export.csv", "/connections/hubspot/disconnect"]
ACTIONS = ["/switch", "/connections/hubspot", "/connections/hubspot/test",
           "/connections/hubspot/disconnect", "/settings/directions", "/settings/schedule",
           "/settings/lists", "/mappings/add", "/mappings/remove", "/runs/start",
           "/customers/refresh", "/customers/sync"]


def test_every_page_redirects_a_visitor_to_sign_in(anonymous):
    for path in PAGES:
        response = anonymous.get(path)
        assert response.status_code == 302, path
        assert response.headers["Location"].startswith("/login?next="), path


def test_actions_are_refused_without_sign_in_and_change_nothing(anonymous):
    for path in ACTIONS:
        response = anonymous.post(path, {"enabled": "off", "sales.direction": "import"})
        assert response.status_code == 302 and "/login" in response.headers["Location"], path
    assert settings.get("sync.enabled") is True
    assert settings.get("sales.direction") == "off"


def test_htmx_requests_without_sign_in_are_sent_to_the_sign_in_page(anonymous):
    response = anonymous.get("/runs/1/progress", htmx=True)
    assert response.headers["HX-Redirect"].startswith("/login")


def test_sign_in_returns_to_the_page_asked_for(anonymous, admin):
    first = anonymous.get("/runs/?entity=customers")
    response = anonymous.post(first.headers["Location"],
                              {"username": USER, "password": PASSWORD})
    assert response.headers["Location"] == "/runs/?entity=customers"


def test_sign_in_never_redirects_to_another_site(app, admin):
    for target in ("//evil.example/x", "https://evil.example/", "/\\evil.example"):
        visitor = Panel(app.test_client())
        response = visitor.post(f"/login?next={target}", {"username": USER, "password": PASSWORD})
        assert response.headers["Location"] == "/", target


def test_session_cookie_is_http_only_and_same_site(anonymous, admin):
    response = anonymous.sign_in()
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie


def test_session_cookie_is_secure_behind_https(web_config, admin):
    from dataclasses import replace

    app = create_app(replace(web_config, panel_url="https://panel.example.com"), {"TESTING": True})
    response = Panel(app.test_client()).sign_in()
    assert "Secure" in response.headers["Set-Cookie"]


def test_a_wrong_password_is_refused(anonymous, admin):
    response = anonymous.sign_in(password="not the password")
    assert response.status_code == 401
    assert "wrong user name or password" in text(response)
    assert anonymous.get("/").status_code == 302


def test_repeated_failures_block_the_user_in_every_worker(web_config, admin):
    # Two apps stand for two gunicorn workers: the count lives in the shared store.
    workers = [Panel(create_app(web_config, {"TESTING": True}).test_client()) for _ in range(2)]
    for attempt in range(accounts.MAX_FAILURES["user"]):
        assert workers[attempt % 2].sign_in(password="guess").status_code == 401
    blocked = workers[0].sign_in()  # even the right password waits now
    assert blocked.status_code == 429
    assert "too many failed sign-ins" in text(blocked)
    assert workers[1].sign_in().status_code == 429


def test_sign_out_ends_the_session(panel):
    response = panel.post("/logout")
    assert response.headers["Location"] == "/login"
    assert panel.get("/").status_code == 302


def test_a_post_without_a_valid_csrf_token_is_refused(panel):
    for response in (panel.post("/switch", {"enabled": "off"}, csrf=False),
                     panel.post("/switch", {"enabled": "off", "csrf_token": "forged"}, csrf=False),
                     panel.post("/switch", {"enabled": "off"}, htmx=True, csrf=False)):
        assert response.status_code == 400
        assert "security token" in text(response)
    assert settings.get("sync.enabled") is True


def test_the_csrf_token_is_accepted_from_the_htmx_header(panel):
    response = panel.post("/switch", {"enabled": "off"}, htmx=True)
    assert response.status_code == 200
    assert settings.get("sync.enabled") is False


def test_slack_events_need_neither_sign_in_nor_a_csrf_token(anonymous):
    response = anonymous.post("/slack/events", {"command": "/sync"}, csrf=False)
    assert response.status_code not in (302, 400)  # Bolt answers (401: unsigned request)


def test_admin_create_command_makes_an_account_that_can_sign_in(web_config, app, monkeypatch):
    monkeypatch.setattr("core.config.load", lambda *a, **k: web_config)
    result = CliRunner().invoke(cli, ["admin", "create", "Grace"],
                                input="a long passphrase\na long passphrase\n")
    assert result.exit_code == 0, result.output
    assert "administrator grace created" in result.output
    assert Panel(app.test_client()).sign_in("grace", "a long passphrase").status_code == 302
    again = CliRunner().invoke(cli, ["admin", "create", "grace"], input="x" * 12 + "\n" + "x" * 12 + "\n")
    assert again.exit_code != 0 and "already exists" in again.output


def test_admin_password_command_replaces_the_password(web_config, app, admin, monkeypatch):
    monkeypatch.setattr("core.config.load", lambda *a, **k: web_config)
    result = CliRunner().invoke(cli, ["admin", "password", USER],
                                input="another long phrase\nanother long phrase\n")
    assert result.exit_code == 0 and "password changed" in result.output
    assert Panel(app.test_client()).sign_in(password=PASSWORD).status_code == 401
    assert Panel(app.test_client()).sign_in(password="another long phrase").status_code == 302


def test_panel_command_is_there():
    result = CliRunner().invoke(cli, ["panel", "--help"])
    assert result.exit_code == 0 and "--port" in result.output


def test_a_copied_session_cookie_stops_working_after_sign_out(app, admin):
    mine = Panel(app.test_client())
    assert mine.sign_in().status_code == 302
    cookie = mine.client.get_cookie("syncdesk_session").value
    stolen = Panel(app.test_client())
    stolen.client.set_cookie("syncdesk_session", cookie)
    assert stolen.get("/").status_code == 200  # the copy works while the admin is signed in
    mine.post("/logout")
    assert stolen.get("/").status_code == 302  # and not after sign-out


def test_a_password_change_signs_out_every_session(panel, admin):
    accounts.set_password(USER, "a brand new password")
    assert panel.get("/").status_code == 302


def test_guessing_the_admins_password_slows_that_name_down_but_never_locks_it_out(
        web_config, admin):
    attacker = Panel(create_app(web_config, {"TESTING": True}).test_client())
    for _ in range(accounts.MAX_FAILURES["user"]):
        attacker.sign_in(password="guess")
    now = utcnow()
    assert 0 < accounts.blocked(USER, "10.9.9.9", now) <= accounts.SLOW_DOWN.total_seconds() + 1
    later = now + accounts.SLOW_DOWN + datetime.timedelta(seconds=1)
    assert accounts.blocked(USER, "10.9.9.9", later) == 0  # the admin is in 30 s later
    assert accounts.sign_in(USER, PASSWORD, "10.9.9.9", now=later).username == USER


def test_one_source_address_is_limited_whatever_names_it_tries(web_config, admin):
    now = utcnow()
    for n in range(accounts.MAX_FAILURES["ip"]):
        with pytest.raises(accounts.AccountError):
            accounts.sign_in(f"name{n}", "guess", "203.0.113.7", now=now)
    assert accounts.blocked("someone-else", "203.0.113.7", now) > 60
    assert accounts.blocked(USER, "198.51.100.2", now) == 0  # other addresses are not


def test_a_page_number_no_list_can_have_is_400(panel):
    assert panel.get("/joor/upload?page=" + "1" + "0" * 20).status_code == 400

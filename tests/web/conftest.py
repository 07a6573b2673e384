"""The panel under test: an app over a fresh store, the sandbox as Cin7 and HubSpot.

`panel` is a test client that signs in and sends the CSRF token like the pages do (a
hidden field in forms, the X-CSRFToken header for htmx); `anonymous` is one that never
signed in. Runs the panel enqueues execute inline (Huey immediate mode on a SQLite queue).
"""

import re

import pytest

import tasks
from core import accounts
from web import create_app

USER, PASSWORD = "ada", "correct horse battery"
TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


class Panel:
    """A Flask test client that behaves like a browser on the panel's pages."""

    def __init__(self, client):
        self.client = client
        self._token = None

    def token(self):
        if self._token is None:
            page = self.client.get("/login").get_data(as_text=True)
            self._token = TOKEN.search(page).group(1)
        return self._token

    def get(self, path, htmx=False, **kwargs):
        headers = {"HX-Request": "true"} if htmx else {}
        return self.client.get(path, headers=headers, **kwargs)

    def post(self, path, data=None, htmx=False, csrf=True, **kwargs):
        data = dict(data or {})
        headers = {}
        if htmx:
            headers["HX-Request"] = "true"
            if csrf:
                headers["X-CSRFToken"] = self.token()  # as hx-headers on <body> sends it
        elif csrf:
            data.setdefault("csrf_token", self.token())
        return self.client.post(path, data=data, headers=headers, **kwargs)

    def sign_in(self, username=USER, password=PASSWORD):
        response = self.post("/login", {"username": username, "password": password})
        self._token = None  # sign-in starts a new session, with a new token
        return response


def text(response):
    return response.get_data(as_text=True)


@pytest.fixture
def web_config(config):
    """The sandbox config; the shared Huey queues beside this test's store, jobs inline."""
    previous, was_immediate = tasks.app.config, tasks.huey.immediate
    tasks.configure(config, immediate=True)
    yield config
    tasks.configure(previous, immediate=was_immediate)


@pytest.fixture
def app(web_config):
    return create_app(web_config, {"TESTING": True})


@pytest.fixture
def admin(app):
    return accounts.create_admin(USER, PASSWORD)


@pytest.fixture
def anonymous(app):
    return Panel(app.test_client())


@pytest.fixture
def panel(app, admin):
    client = Panel(app.test_client())
    assert client.sign_in().status_code == 302
    return client

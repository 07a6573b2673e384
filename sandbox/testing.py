"""A served sandbox for tests: real HTTP on a free port, helpers for the control endpoints.

    with running({"customers": 20}) as box:
        requests.get(box.cin7_url + "me", headers=box.cin7_headers)
        box.fault("hubspot", "throttle", count=2)
"""

import contextlib

import requests

from sandbox import create_app, serve


class Running:
    """One sandbox app served from a thread, with its base URLs and credentials."""

    def __init__(self, options=None):
        self.app = create_app(options)
        self.url, self._shutdown = serve(self.app)
        self.cin7_url = self.url + "/cin7/ExternalApi/v2/"
        self.hubspot_url = self.url + "/hubspot"
        self.control = requests.Session()

    @property
    def options(self):
        return self.app.extensions["sandbox"].options

    @property
    def cin7_headers(self):
        return {"api-auth-accountid": self.options["cin7_account_id"],
                "api-auth-applicationkey": self.options["cin7_application_key"]}

    @property
    def hubspot_headers(self):
        return {"Authorization": f"Bearer {self.options['hubspot_token']}"}

    def reset(self, **options):
        self._call("POST", "reset", json=options)

    def fault(self, system, kind, **spec):
        return self._call("POST", "faults", json={"system": system, "kind": kind, **spec})

    def clear_faults(self):
        self._call("DELETE", "faults")

    def get(self, path, **params):
        """JSON from a GET /_sandbox/<path> inspection endpoint."""
        return self._call("GET", path, params=params)

    def _call(self, method, path, **kwargs):
        response = self.control.request(method, f"{self.url}/_sandbox/{path}", timeout=30,
                                        **kwargs)
        response.raise_for_status()
        return response.json()

    def close(self):
        self.control.close()
        self._shutdown()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


@contextlib.contextmanager
def running(options=None):
    box = Running(options)
    try:
        yield box
    finally:
        box.close()


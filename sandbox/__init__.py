"""HTTP simulators of the services SyncDesk talks to, on one Flask app.

    app = create_app({"customers": 200})
    base_url, shutdown = serve(app)      # CIN7_BASE_URL = base_url + "/cin7/ExternalApi/v2/"
                                         # HUBSPOT_BASE_URL = base_url + "/hubspot"
                                         # CAPSULE_BASE_URL = base_url + "/capsule/api/v2/"
                                         # SALESFORCE_LOGIN_URL = base_url + "/salesforce/login"
                                         # OMNI_BASE_URL = base_url + "/omni/api/"

Each system is a blueprint plus a `fresh(options)` function that builds its data; control and
inspection endpoints for tests live under /_sandbox/ (see sandbox/control.py).
"""

import threading

from flask import Flask
from werkzeug.serving import make_server, run_simple

from sandbox import (
    capsule,
    cin7,
    control,
    events,
    hubspot,
    hubspot_oauth,
    joor,
    omni,
    salesforce,
    slack,
    state,
)

# name -> (blueprint, fresh(options) -> that system's data); the name is the URL prefix.
SYSTEMS = {
    "cin7": (cin7.bp, cin7.fresh),
    "hubspot": (hubspot.bp, hubspot.fresh),
    "slack": (slack.blueprint, slack.fresh),
    "joor": (joor.blueprint, joor.fresh),
    "capsule": (capsule.bp, capsule.fresh),
    "salesforce": (salesforce.bp, salesforce.fresh),
    "events": (events.bp, events.fresh),  # a receiver of SyncDesk's own event webhooks
    "omni": (omni.blueprint, omni.fresh),
}


def create_app(options=None):
    """A sandbox app seeded from `options` (see state.DEFAULTS for the keys)."""
    app = Flask(__name__)
    app.json.sort_keys = False  # keep fields in the order the real services send them
    for blueprint, _ in SYSTEMS.values():
        app.register_blueprint(blueprint)
    app.register_blueprint(control.bp)
    app.register_blueprint(salesforce.control)
    app.register_blueprint(hubspot_oauth.control)
    app.extensions["sandbox"] = state.Sandbox(
        options, {name: fresh for name, (_, fresh) in SYSTEMS.items()})
    app.after_request(state.record)
    app.teardown_request(state.release_lock)
    return app


def serve(app, host="127.0.0.1", port=0):
    """Serve `app` from a background thread; returns (base_url, shutdown)."""
    server = make_server(host, port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="sandbox", daemon=True)
    thread.start()

    def shutdown():
        app.extensions["sandbox"].wake.set()  # cut short any request sleeping on a fault
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)

    return f"http://{host}:{server.server_port}", shutdown


def run(host="127.0.0.1", port=8100, options=None):
    """Serve a sandbox in the foreground until interrupted (for `syncdesk sandbox`)."""
    run_simple(host, port, create_app(options), threaded=True, use_reloader=False)

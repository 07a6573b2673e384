"""What every panel page shares: sign-in check, headers, navigation, filters, partial rendering."""

from flask import current_app, g, make_response, render_template, request
from flask_htmx import HTMX
from flask_wtf.csrf import CSRFError, CSRFProtect
from jinja2_fragments.flask import render_block

from core import crms
from core.store import utcnow
from web import auth

csrf = CSRFProtect()
htmx = HTMX()


def current_config():
    """SyncDesk's Config of the running app (as the environment set it)."""
    return current_app.config["SYNCDESK_CONFIG"]


def current_admin():
    """The signed-in administrator's user name."""
    return g.admin.username if getattr(g, "admin", None) else ""

# Pages that only make sense with one CRM: endpoint -> that CRM (settings "crm").
CRM_PAGES = {"deal_stages.index": ("hubspot",), "mappings.index": ("hubspot", "salesforce"),
             "price_books.index": ("salesforce",), "milestones.index": ("capsule",)}
NAV = (("dashboard.index", "Dashboard"), ("runs.index", "Runs"),
       ("customers.index", "Customers"), ("products.index", "Products"),
       ("sales.index", "Sales"), ("deal_stages.index", "Deal stages"),
       ("price_books.index", "Price books"), ("milestones.index", "Milestones"),
       ("connections.index", "Connections"),
       ("settings_views.index", "Settings"), ("mappings.index", "Field mappings"),
       ("events.index", "Events"))

# htmx is served from our own origin and needs no eval (no hx-on, no trigger filters).
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "form-action 'self'; frame-ancestors 'none'; base-uri 'self'")


def init_app(app):
    app.before_request(auth.load_admin)
    app.after_request(_headers)
    app.context_processor(_globals)
    app.jinja_env.filters["when"] = when
    app.jinja_env.filters["ago"] = ago
    app.jinja_env.globals["crm"] = crms.current  # the connected CRM's name and words
    app.register_error_handler(CSRFError, _csrf_error)
    app.register_error_handler(404, _not_found)


def _headers(response):
    response.headers.setdefault("Content-Security-Policy", CSP)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    if request.blueprint not in current_app.config["PUBLIC_BLUEPRINTS"]:
        response.headers.setdefault("Cache-Control", "no-store")  # pages show private data
    return response


def _globals():
    nav = list(NAV)
    if "joor" in current_app.blueprints:
        nav.append((_first_endpoint("joor"), "JOOR"))
    # The shared macros as `m` everywhere: a block rendered alone (jinja2-fragments) does
    # not see its template's top-level imports.
    macros = current_app.jinja_env.get_template("macros.html").module
    crm = crms.current().key
    return {"nav": [item for item in nav if item[0] and crm in CRM_PAGES.get(item[0], (crm,))],
            "m": macros}


def _first_endpoint(blueprint):
    for rule in current_app.url_map.iter_rules():
        if rule.endpoint.startswith(f"{blueprint}.") and "GET" in rule.methods \
                and not rule.arguments:
            return rule.endpoint
    return None


def _csrf_error(error):
    return render_template("error.html", title="Form expired",
                           message="This form was refused because its security token is "
                           "missing or out of date. Reload the page and try again."), 400


def _not_found(error):
    return render_template("error.html", title="Not found",
                           message="There is nothing at this address."), 404


def partial(template, block, **context):
    """The whole page, or only `block` of it when htmx asked for a part."""
    if htmx and not htmx.boosted:
        response = make_response(render_block(template, block, **context))
    else:
        response = make_response(render_template(template, **context))
    response.vary.add("HX-Request")  # one URL, two bodies: caches must tell them apart
    return response


def when(value):
    """A stored UTC time as text."""
    return value.strftime("%Y-%m-%d %H:%M UTC") if value else "—"


def ago(value, now=None):
    """'3 min ago', '2 h ago', '5 days ago'."""
    if not value:
        return "never"
    seconds = max(0, int(((now or utcnow()) - value).total_seconds()))
    for size, unit in ((86400, "days"), (3600, "h"), (60, "min")):
        if seconds >= size:
            return f"{seconds // size} {unit} ago"
    return "just now"

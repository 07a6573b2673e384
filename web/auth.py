"""Sign-in and sign-out; every page but these (and public blueprints) needs a signed-in admin."""

from urllib.parse import urlsplit

from flask import (
    Blueprint,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_htmx.responses import HTMXResponseClientRedirect

from core import accounts

bp = Blueprint("auth", __name__)

PUBLIC_ENDPOINTS = {"auth.login", "static"}


@bp.route("/login", methods=("GET", "POST"))
def login():
    """The sign-in form; on success, back to the page that asked for it."""
    error = None
    if request.method == "POST":
        try:
            admin = accounts.sign_in(request.form.get("username", ""),
                                     request.form.get("password", ""), request.remote_addr)
        except accounts.AccountError as exc:
            error = str(exc)
        else:
            session.clear()  # a fresh session on sign-in: no fixation
            session.permanent = True
            session["admin_id"], session["version"] = admin.id, admin.session_version
            return redirect(safe_next(request.args.get("next")))
    status = 429 if error and error.startswith("too many") else 200 if not error else 401
    return render_template("auth/login.html", error=error,
                           username=request.form.get("username", "")), status


@bp.post("/logout")
def logout():
    if getattr(g, "admin", None) is not None:  # a copied cookie stops working too
        accounts.end_sessions(g.admin.id)
    session.clear()
    flash("Signed out.")
    return redirect(url_for("auth.login"))


def safe_next(target):
    """Only a path on this site: never redirect to another host after sign-in."""
    # "//host" and "/\host" are other sites to a browser.
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc:
            return target
    return url_for("dashboard.index")


def load_admin():
    """Before each request: who is signed in; a redirect to sign-in when nobody is."""
    admin_id = session.get("admin_id")
    g.admin = accounts.get(admin_id) if admin_id else None
    if g.admin is not None and session.get("version") != g.admin.session_version:
        g.admin = None  # signed out, or the password changed, since this cookie was issued
        session.clear()
    if g.admin is not None or request.endpoint in PUBLIC_ENDPOINTS:
        return None
    if request.blueprint in current_app.config["PUBLIC_BLUEPRINTS"]:
        return None
    target = url_for("auth.login", next=request.full_path.rstrip("?"))
    if request.headers.get("HX-Request") == "true":
        return HTMXResponseClientRedirect(target)  # htmx would swap the sign-in page into a div
    return redirect(target)

"""The web app: a Flask app holding the pages' blueprint, served beside /v1 by the same process
(server/web/mount.py), whatever connexion app flavour serves /v1.

It is its own Flask app rather than connexion's: /v1 stays free of cookies, sessions and CSRF
(flask-login's hooks would touch the session of every API response), and the pages do not
depend on the framework under the API."""

from __future__ import annotations

import hashlib
import hmac
from datetime import timedelta

from flask import Flask, Response, g, render_template, request
from flask_wtf.csrf import CSRFError, CSRFProtect
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.exceptions import MethodNotAllowed, NotFound, RequestEntityTooLarge

from server.config import Settings
from server.services.container import Services
from server.services.sign_in_throttle import SignInThrottle, build_sign_in_throttle
from server.web.apps import apps_pages
from server.web.auth import install_login
from server.web.oauth import install_oauth
from server.web.one_time import OneTimeSecretBox
from server.web.views import web

STATIC_PATH = "/web-static"
# No inline script or style anywhere: the copy button's script and the stylesheet are files.
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)


def _derived(secret: str, purpose: bytes) -> str:
    return hmac.new(secret.encode(), purpose, hashlib.sha256).hexdigest()


def create_web_app(
    settings: Settings, services: Services, sign_in_throttle: SignInThrottle | None = None
) -> Flask:
    app = Flask(__name__, static_folder="static", static_url_path=STATIC_PATH)
    secure = (settings.public_base_url or "").lower().startswith("https://")
    app.config.update(
        SECRET_KEY=_derived(settings.key_hash_secret, b"trax-web-session"),
        SESSION_COOKIE_NAME="trax_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=secure,
        PERMANENT_SESSION_LIFETIME=timedelta(seconds=settings.session_lifetime_seconds),
        # flask-login's "remember me" cookie is never set (sign-in does not offer it).
        REMEMBER_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_SECURE=secure,
        # The CSRF token lives as long as the sign-in, so a page left open still works.
        WTF_CSRF_TIME_LIMIT=settings.session_lifetime_seconds,
        # Pages send Referrer-Policy: no-referrer, so the Referer check flask-wtf adds over
        # https would refuse every form; the token and SameSite=Lax do the work.
        WTF_CSRF_SSL_STRICT=False,
        MAX_CONTENT_LENGTH=64 * 1024,
        # The OAuth issuer (RFC 8414); unset: the origin of the request.
        TRAX_PUBLIC_BASE_URL=settings.public_base_url,
    )
    app.extensions["trax.users"] = services.users
    app.extensions["trax.api_keys"] = services.api_keys
    app.extensions["trax.one_time_box"] = OneTimeSecretBox(settings.key_hash_secret)
    app.extensions["trax.sign_in_throttle"] = sign_in_throttle or build_sign_in_throttle(
        settings.sign_in_burst,
        settings.sign_in_per_minute,
        settings.redis_url,
        settings.redis_prefix,
    )
    csrf = CSRFProtect(app)
    install_login(app, services.users)
    app.register_blueprint(web)
    install_oauth(app, services.oauth, csrf)
    app.register_blueprint(apps_pages)

    @app.errorhandler(CSRFError)
    def csrf_failed(error: CSRFError) -> tuple[str, int]:
        message = (
            "This form has expired or did not come from this site, so nothing was changed. "
            "Reload the page and try again."
        )
        return render_template("error.html", title="Form expired", message=message), 400

    @app.errorhandler(404)
    def not_found(error: NotFound) -> tuple[str, int]:
        message = "There is no such page, or it is not yours to see."
        return render_template("error.html", title="Not found", message=message), 404

    @app.errorhandler(405)
    def method_not_allowed(error: MethodNotAllowed) -> tuple[str, int]:
        message = "This page does not accept that kind of request."
        return render_template("error.html", title="Not allowed", message=message), 405

    @app.errorhandler(413)
    def too_large(error: RequestEntityTooLarge) -> tuple[str, int]:
        message = "The form was too large."
        return render_template("error.html", title="Too large", message=message), 413

    @app.errorhandler(SQLAlchemyError)
    def database_unavailable(error: SQLAlchemyError) -> Response:
        app.logger.warning("database error on %s: %s", request.path, type(error).__name__)
        message = "TRaX cannot reach its database right now, so nothing was changed. Try again."
        response = app.make_response(
            (render_template("error.html", title="Try again", message=message, plain=True), 503)
        )
        response.headers["Retry-After"] = "1"
        return response

    @app.after_request
    def security_headers(response: Response) -> Response:
        policy = CONTENT_SECURITY_POLICY
        extra = g.get("form_action_extra")
        if extra:
            # The consent page's form ends at the app's redirect URI (form-action covers the
            # redirect that follows the POST).
            policy = policy.replace("form-action 'self'", f"form-action 'self' {extra}")
        response.headers["Content-Security-Policy"] = policy
        response.headers["Referrer-Policy"] = "no-referrer"
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["X-Frame-Options"] = "DENY"
        if not request.path.startswith(STATIC_PATH + "/"):
            # Pages show per-user data (and once, a secret): never stored by any cache.
            response.headers["Cache-Control"] = "no-store"
        return response

    return app

"""The blueprint: sign in, sign out, and the Developer / API Keys screen."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import cast

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_login import login_user, logout_user
from werkzeug.wrappers import Response

from server.domain.clock import utcnow
from server.domain.scopes import ALL_SCOPES
from server.services.api_keys import ApiKeyService, ScopeNotHeld
from server.services.sign_in_throttle import SignInThrottle
from server.services.users import InvalidCredentials, SignedInUser, UserService
from server.storage.models import ApiKey
from server.web.auth import (
    SessionUser,
    current_account_user,
    current_session_token,
    login_required,
    signed_in_user,
)
from server.web.forms import ConfirmForm, CreateKeyForm, SignInForm
from server.web.one_time import SESSION_FIELD, OneTimeSecretBox
from server.web.presenters import key_row

web = Blueprint("web", __name__, template_folder="templates")

KEYS_PATH = "/account/api-keys"


def _users() -> UserService:
    return cast(UserService, current_app.extensions["trax.users"])


def _keys() -> ApiKeyService:
    return cast(ApiKeyService, current_app.extensions["trax.api_keys"])


def _throttle() -> SignInThrottle:
    return cast(SignInThrottle, current_app.extensions["trax.sign_in_throttle"])


def _box() -> OneTimeSecretBox:
    return cast(OneTimeSecretBox, current_app.extensions["trax.one_time_box"])


def _safe_next(target: str | None) -> str:
    """Only a path on this site (never `//host` or a scheme) may be the place to go next."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return url_for("web.api_keys")


@web.get("/")
@web.get("/account")
def home() -> Response:
    return redirect(url_for("web.api_keys"))


@web.route("/sign-in", methods=["GET", "POST"])
def sign_in() -> Response:
    if current_account_user() is not None:
        return redirect(url_for("web.api_keys"))
    form = SignInForm()
    status, error, retry_after = 200, None, None
    if form.validate_on_submit():
        throttled = _throttle().attempt(form.email.data, request.remote_addr)
        if throttled is not None:
            status, retry_after = 429, throttled.retry_after_seconds
            error = (
                "Too many sign-in attempts. Wait "
                f"{retry_after} second{'s' if retry_after != 1 else ''} and try again."
            )
        else:
            try:
                user = _users().verify_password(form.email.data, form.password.data)
            except InvalidCredentials:
                status, error = 401, "That email and password do not match an account."
            else:
                # A fresh session: nothing from before sign-in (the anonymous session and its
                # CSRF token) carries over, and the server-side session id is new.
                session.clear()
                token = _users().start_session(user.id)
                session.permanent = True
                signed_in = _users().user_for_session(token)
                if signed_in is None:  # the session just started cannot be gone
                    abort(500)
                login_user(SessionUser(token, signed_in))
                return redirect(_safe_next(request.args.get("next")), code=303)
    elif request.method == "POST":
        status, error = 400, "Enter your email and password."
    response = current_app.make_response(
        (render_template("sign_in.html", form=form, error=error), status)
    )
    if retry_after is not None:
        response.headers["Retry-After"] = str(retry_after)
    return response


@web.post("/sign-out")
def sign_out() -> Response:
    form = ConfirmForm()
    if form.validate_on_submit():
        _users().end_session(current_session_token())
        logout_user()
        session.clear()
        flash("You are signed out.")
    return redirect(url_for("web.sign_in"), code=303)


def _render_keys(
    form: CreateKeyForm, status: int = 200, error: str | None = None
) -> tuple[str, int]:
    user = signed_in_user()
    now = utcnow()
    rows = [key_row(key, now) for key in _keys().list_for_user(user.account_id, user.id)]
    held = [scope for scope in ALL_SCOPES if scope in user.scopes]
    chosen = set(request.form.getlist("scopes")) if request.method == "POST" else set()
    return (
        render_template(
            "api_keys.html",
            form=form,
            rows=rows,
            held_scopes=held,
            chosen_scopes=chosen,
            error=error,
            user=user,
        ),
        status,
    )


@web.get(KEYS_PATH)
@login_required
def api_keys() -> tuple[str, int]:
    return _render_keys(CreateKeyForm(formdata=None))


@web.post(KEYS_PATH)
@login_required
def create_api_key() -> ResponseReturnValue:
    form = CreateKeyForm()
    if not form.validate_on_submit():
        return _render_keys(form, 400, "The key was not created: fix the fields marked below.")
    scopes = request.form.getlist("scopes")
    if not scopes:
        return _render_keys(form, 400, "The key was not created: choose at least one scope.")
    expires_in_days, expires_at = None, None
    if form.expiry.data == "date":
        # The key works through the chosen day (UTC) and stops at the midnight after it.
        expires_at = datetime.combine(form.expiry_date.data, time(), UTC) + timedelta(days=1)
    elif form.expiry.data != "never":
        expires_in_days = int(form.expiry.data)
    user = signed_in_user()
    try:
        created = _keys().create(
            user.account_id,
            form.name.data,
            scopes,
            expires_in_days,
            user_id=user.id,
            expires_at=expires_at,
        )
    except ScopeNotHeld as exc:
        message = (
            "The key was not created: you can only grant scopes you hold, and you do not "
            f"hold {', '.join(exc.missing)}."
        )
        return _render_keys(form, 403, message)
    except ValueError as exc:
        return _render_keys(form, 400, f"The key was not created: {exc}.")
    session[SESSION_FIELD] = _box().seal(created.key.id, created.secret)
    return redirect(url_for("web.new_api_key"), code=303)


@web.get(KEYS_PATH + "/new")
@login_required
def new_api_key() -> ResponseReturnValue:
    opened = _box().open(session.pop(SESSION_FIELD, None))
    user = signed_in_user()
    key = _keys().get_for_user(user.account_id, user.id, opened[0]) if opened else None
    if key is None or opened is None:
        flash(
            "A key's secret is shown only once, right after it is created. Lost it? Revoke "
            "the key and create a new one."
        )
        return redirect(url_for("web.api_keys"), code=303)
    return render_template("new_key.html", row=key_row(key, utcnow()), secret=opened[1])


def _own_key_or_404(key_id: str) -> tuple[SignedInUser, ApiKey]:
    user = signed_in_user()
    key = _keys().get_for_user(user.account_id, user.id, key_id)
    if key is None:
        abort(404)
    return user, key


@web.get(KEYS_PATH + "/<key_id>/revoke")
@login_required
def confirm_revoke(key_id: str) -> str:
    _, key = _own_key_or_404(key_id)
    return render_template("revoke.html", row=key_row(key, utcnow()), form=ConfirmForm())


@web.post(KEYS_PATH + "/<key_id>/revoke")
@login_required
def revoke_api_key(key_id: str) -> Response:
    user, key = _own_key_or_404(key_id)
    if ConfirmForm().validate_on_submit():
        _keys().revoke_for_user(user.account_id, user.id, key_id)
        flash(f"Key “{key.name}” ({key.prefix}…) is revoked. Requests with it now get 401.")
    return redirect(url_for("web.api_keys"), code=303)

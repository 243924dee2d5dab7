"""The Apps screen: the apps a user registered for Sign in with TRaX (register, see the
client id, delete) and the apps the user authorized (see, revoke). Next to the API keys
screen, in its look; every form carries the CSRF token."""

from __future__ import annotations

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
from werkzeug.wrappers import Response

from server.domain.scopes import ALL_SCOPES
from server.services.oauth import OAuthService
from server.web.auth import login_required, signed_in_user
from server.web.forms import ConfirmForm, RegisterAppForm
from server.web.one_time import OneTimeSecretBox
from server.web.presenters import exact, scope_words

APPS_PATH = "/account/apps"
NEW_APP_FIELD = "new_app"

apps_pages = Blueprint("apps", __name__, template_folder="templates")


def _oauth() -> OAuthService:
    return cast(OAuthService, current_app.extensions["trax.oauth"])


def _box() -> OneTimeSecretBox:
    return cast(OneTimeSecretBox, current_app.extensions["trax.one_time_box"])


def _render(form: RegisterAppForm, status: int = 200, error: str | None = None) -> tuple[str, int]:
    user = signed_in_user()
    chosen = set(request.form.getlist("scopes")) if request.method == "POST" else set()
    return (
        render_template(
            "apps.html",
            form=form,
            error=error,
            apps=_oauth().list_registered_by(user.account_id, user.id),
            authorized=_oauth().authorized_apps(user.account_id, user.id),
            held_scopes=[s for s in ALL_SCOPES if s in user.scopes],
            chosen_scopes=chosen,
            confirm=ConfirmForm(),
            exact=exact,
            scope_words=scope_words,
        ),
        status,
    )


@apps_pages.get(APPS_PATH)
@login_required
def apps() -> ResponseReturnValue:
    return _render(RegisterAppForm(formdata=None))


@apps_pages.post(APPS_PATH)
@login_required
def register_app() -> ResponseReturnValue:
    form = RegisterAppForm()
    if not form.validate_on_submit():
        return _render(form, 400, "The app was not registered: fix the fields marked below.")
    scopes = request.form.getlist("scopes")
    if not scopes:
        return _render(form, 400, "The app was not registered: choose at least one scope.")
    user = signed_in_user()
    not_held = [s for s in scopes if s not in user.scopes]
    if not_held:
        message = f"The app was not registered: you do not hold {', '.join(not_held)}."
        return _render(form, 403, message)
    try:
        registered = _oauth().register(
            user.account_id,
            form.name.data or "",
            (form.redirect_uris.data or "").splitlines(),
            scopes,
            confidential=form.kind.data == "confidential",
            user_id=user.id,
        )
    except ValueError as exc:
        return _render(form, 400, f"The app was not registered: {exc}.")
    if registered.secret is not None:
        session[NEW_APP_FIELD] = _box().seal(registered.client.id, registered.secret)
        return redirect(url_for("apps.new_app"), code=303)
    flash(f"App “{registered.client.name}” is registered. Its client id is {registered.client.id}.")
    return redirect(url_for("apps.apps"), code=303)


@apps_pages.get(APPS_PATH + "/new")
@login_required
def new_app() -> ResponseReturnValue:
    opened = _box().open(session.pop(NEW_APP_FIELD, None))
    user = signed_in_user()
    client = _oauth().get_client(opened[0]) if opened else None
    if opened is None or client is None or client.account_id != user.account_id:
        flash("An app's secret is shown only once, right after it is registered.")
        return redirect(url_for("apps.apps"), code=303)
    return render_template("new_app.html", app=client, secret=opened[1])


@apps_pages.post(APPS_PATH + "/<client_id>/delete")
@login_required
def delete_app(client_id: str) -> Response:
    user = signed_in_user()
    mine = {c.id: c for c in _oauth().list_registered_by(user.account_id, user.id)}
    if client_id not in mine:
        abort(404)
    if ConfirmForm().validate_on_submit():
        _oauth().delete(client_id, account_id=user.account_id)
        flash(f"App “{mine[client_id].name}” is deleted. Its tokens now get 401.")
    return redirect(url_for("apps.apps"), code=303)


@apps_pages.post(APPS_PATH + "/authorized/<grant_id>/revoke")
@login_required
def revoke_authorized(grant_id: str) -> Response:
    user = signed_in_user()
    if not ConfirmForm().validate_on_submit():
        return redirect(url_for("apps.apps"), code=303)
    try:
        revoked = _oauth().revoke_grant_for_user(user.account_id, user.id, grant_id)
    except LookupError:
        abort(404)
    flash(f"“{revoked.client.name}” can no longer use TRaX as you. Its tokens now get 401.")
    return redirect(url_for("apps.apps"), code=303)

"""The signed-in user of a web request, through flask-login.

The Flask session cookie carries only a random session token (flask-login's user id is that
token, not the user's id); the users service maps it to a live server-side session, so signing
out, expiry, a new password or deactivating the user end the session wherever the cookie is.
`current_account_user()` is the helper other pages (OAuth consent) use."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol, TypeVar, cast

import flask_login
from flask import Flask, abort, redirect, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import LoginManager, UserMixin, current_user
from werkzeug.wrappers import Response

from server.services.users import SignedInUser, UserService

_View = TypeVar("_View", bound=Callable[..., ResponseReturnValue])


class _ViewDecorator(Protocol):
    def __call__(self, view: _View, /) -> _View: ...


# flask-login is untyped; its login_required wraps the view with functools.wraps, keeping the
# view's signature. The same function, typed, so the views it decorates stay typed.
login_required: _ViewDecorator = flask_login.login_required


class SessionUser(UserMixin):  # type: ignore[misc]  # flask-login is untyped
    def __init__(self, token: str, user: SignedInUser) -> None:
        self.token = token
        self.user = user

    def get_id(self) -> str:
        return self.token


def install_login(app: Flask, users: UserService) -> LoginManager:
    manager = LoginManager()
    manager.init_app(app)
    # The session token is checked server-side on every request; flask-login's own
    # identifier check (IP + user agent) would sign people out when their network changes.
    manager.session_protection = None

    @manager.user_loader  # type: ignore[untyped-decorator]  # flask-login is untyped
    def load(token: str) -> SessionUser | None:
        user = users.user_for_session(token)
        return SessionUser(token, user) if user is not None else None

    @manager.unauthorized_handler  # type: ignore[untyped-decorator]  # flask-login is untyped
    def to_sign_in() -> Response:
        return redirect(url_for("web.sign_in", next=request.full_path.rstrip("?")))

    return manager


def current_account_user() -> SignedInUser | None:
    """The signed-in user of this request, or None."""
    if not current_user.is_authenticated:
        return None
    return cast(SignedInUser, current_user.user)


def signed_in_user() -> SignedInUser:
    """The user of a view behind @login_required, which has sent everyone else to sign in."""
    user = current_account_user()
    if user is None:
        abort(401)
    return user


def current_session_token() -> str | None:
    return current_user.token if current_user.is_authenticated else None

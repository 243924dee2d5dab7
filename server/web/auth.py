"""The signed-in user of a web request, through flask-login.

The Flask session cookie carries only a random session token (flask-login's user id is that
token, not the user's id); the users service maps it to a live server-side session, so signing
out, expiry, a new password or deactivating the user end the session wherever the cookie is.
`current_account_user()` is the helper other pages (OAuth consent) use."""

from __future__ import annotations

from flask import Flask, abort, redirect, request, url_for
from flask_login import LoginManager, UserMixin, current_user

from server.services.users import SignedInUser, UserService


class SessionUser(UserMixin):
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

    @manager.user_loader
    def load(token: str) -> SessionUser | None:
        user = users.user_for_session(token)
        return SessionUser(token, user) if user is not None else None

    @manager.unauthorized_handler
    def to_sign_in():
        return redirect(url_for("web.sign_in", next=request.full_path.rstrip("?")))

    return manager


def current_account_user() -> SignedInUser | None:
    """The signed-in user of this request, or None."""
    if not current_user.is_authenticated:
        return None
    return current_user.user


def signed_in_user() -> SignedInUser:
    """The user of a view behind @login_required, which has sent everyone else to sign in."""
    user = current_account_user()
    if user is None:
        abort(401)
    return user


def current_session_token() -> str | None:
    return current_user.token if current_user.is_authenticated else None

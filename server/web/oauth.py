"""Sign in with TRaX: the OAuth 2.0 authorization server, Authlib's Flask integration over
server/services/oauth.py.

- `GET /oauth/authorize` (signed in: the consent page; else sign in first) and its `POST`
  (Allow / Deny, CSRF-protected like every form of the pages). Authorization code only, PKCE
  required with S256 (`plain` and a missing challenge are refused); errors go back to a
  verified redirect URI in RFC 6749 §4.1.2.1 form, or are shown here when the client or the
  redirect URI cannot be trusted.
- `POST /oauth/token` (authorization_code, refresh_token; no implicit, no password grant) and
  `POST /oauth/revoke` (RFC 7009): form posts from apps, exempt from CSRF, never reading a
  parameter from the query string. Token responses carry `Cache-Control: no-store`.
- `GET /.well-known/oauth-authorization-server`: RFC 8414 metadata."""

from __future__ import annotations

import re
from typing import Any, cast
from urllib.parse import urlsplit

from authlib.integrations.flask_oauth2 import AuthorizationServer
from authlib.integrations.flask_oauth2.requests import FlaskOAuth2Payload, FlaskOAuth2Request
from authlib.oauth2 import OAuth2Error
from authlib.oauth2.rfc6749 import (
    AuthorizationCodeMixin,
    ClientMixin,
    InvalidGrantError,
    InvalidRequestError,
    InvalidScopeError,
    OAuth2Request,
    TokenMixin,
)
from authlib.oauth2.rfc6749.grants import AuthorizationCodeGrant, RefreshTokenGrant
from authlib.oauth2.rfc7009 import RevocationEndpoint
from authlib.oauth2.rfc7636 import CodeChallenge
from flask import Blueprint, Flask, current_app, g, jsonify, render_template, request
from flask import request as flask_request
from flask.typing import ResponseReturnValue
from flask_wtf.csrf import CSRFProtect
from werkzeug.wrappers import Response

from server.domain.scopes import ALL_SCOPES
from server.services.oauth import (
    CODE_CHALLENGE_METHOD,
    CodeForExchange,
    CodeReused,
    OAuthService,
    RefreshForExchange,
    RefreshReused,
    RevocableToken,
    split_scopes,
)
from server.services.users import SignedInUser, UserService
from server.storage.models import OAuthClient, User
from server.web.auth import login_required, signed_in_user
from server.web.forms import ConfirmForm
from server.web.presenters import scope_words

AUTHORIZE_PATH = "/oauth/authorize"
TOKEN_PATH = "/oauth/token"
REVOKE_PATH = "/oauth/revoke"
METADATA_PATH = "/.well-known/oauth-authorization-server"
OAUTH_PATHS = (AUTHORIZE_PATH, TOKEN_PATH, REVOKE_PATH, METADATA_PATH)
CLIENT_AUTH_METHODS = ["client_secret_basic", "client_secret_post", "none"]

# A CSP source expression: nothing that could end the directive or add another.
_CSP_SOURCE = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:(//[A-Za-z0-9.\-\[\]:]+)?")

oauth_pages = Blueprint("oauth", __name__, template_folder="templates")


def _oauth() -> OAuthService:
    return cast(OAuthService, current_app.extensions["trax.oauth"])


def _users() -> UserService:
    return cast(UserService, current_app.extensions["trax.users"])


def _server() -> AuthorizationServer:
    return cast(AuthorizationServer, current_app.extensions["trax.oauth_server"])


# --- Authlib's models over ours -----------------------------------------------------------


class Client(ClientMixin):  # type: ignore[misc]  # Authlib is untyped
    def __init__(self, row: OAuthClient, service: OAuthService) -> None:
        self.row = row
        self._service = service

    def get_client_id(self) -> str:
        return self.row.id

    def get_default_redirect_uri(self) -> None:
        # Every request names its redirect URI: with loopback ports there is no default.
        return None

    def get_allowed_scope(self, scope: str | None) -> str | None:
        """The app's scopes when none are asked for; None (invalid_scope) for any scope the
        app was not registered to ask for."""
        allowed = self.row.scopes.split()
        if not scope:
            return self.row.scopes
        asked = split_scopes(scope)
        if any(s not in allowed for s in asked):
            return None
        return " ".join(s for s in ALL_SCOPES if s in asked)

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        return self._service.check_redirect_uri(self.row, redirect_uri)

    def check_client_secret(self, client_secret: str) -> bool:
        return self._service.check_client_secret(self.row, client_secret)

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        if self.row.confidential:
            return method in ("client_secret_basic", "client_secret_post")
        return method == "none"

    def check_response_type(self, response_type: str) -> bool:
        return response_type == "code"

    def check_grant_type(self, grant_type: str) -> bool:
        return grant_type in ("authorization_code", "refresh_token")


class Code(AuthorizationCodeMixin):  # type: ignore[misc]
    def __init__(self, code: CodeForExchange) -> None:
        self.code = code
        self.code_challenge = code.code_challenge
        self.code_challenge_method = code.code_challenge_method

    def get_redirect_uri(self) -> str:
        return self.code.redirect_uri

    def get_scope(self) -> str:
        return self.code.scope


class Refresh(TokenMixin):  # type: ignore[misc]
    def __init__(self, refresh: RefreshForExchange) -> None:
        self.refresh = refresh

    def check_client(self, client: Client) -> bool:
        return self.refresh.client_id == client.get_client_id()

    def get_scope(self) -> str:
        return self.refresh.scope


class Revocable(TokenMixin):  # type: ignore[misc]
    def __init__(self, token: RevocableToken) -> None:
        self.token = token

    def check_client(self, client: Client) -> bool:
        return self.token.client_id == client.get_client_id()

    def get_scope(self) -> str:
        return self.token.scope


def _active_user(user_id: str) -> User | None:
    user = _users().get(user_id)
    return user if user is not None and user.deactivated_at is None else None


# --- PKCE, grants and the revocation endpoint -----------------------------------------


class S256Required(CodeChallenge):  # type: ignore[misc]
    """PKCE on every authorization request and token exchange, S256 only (OAuth 2.1)."""

    SUPPORTED_CODE_CHALLENGE_METHOD = [CODE_CHALLENGE_METHOD]

    def validate_code_challenge(self, grant: Any, redirect_uri: str) -> None:
        data = grant.request.payload.data
        if not data.get("code_challenge"):
            raise InvalidRequestError("PKCE is required: send code_challenge (S256).")
        if data.get("code_challenge_method") != CODE_CHALLENGE_METHOD:
            raise InvalidRequestError("code_challenge_method must be S256; plain is not accepted.")
        super().validate_code_challenge(grant, redirect_uri)

    def validate_code_verifier(self, grant: Any, result: Any) -> None:
        if not grant.request.form.get("code_verifier"):
            raise InvalidRequestError("Missing 'code_verifier'.")
        super().validate_code_verifier(grant, result)


class CodeGrant(AuthorizationCodeGrant):  # type: ignore[misc]
    TOKEN_ENDPOINT_AUTH_METHODS = CLIENT_AUTH_METHODS

    def save_authorization_code(self, code: str, request: Any) -> None:
        data = request.payload.data
        try:
            _oauth().issue_code(
                request.client.get_client_id(),
                request.user.id,
                split_scopes(request.scope),
                request.payload.redirect_uri,
                data.get("code_challenge") or "",
                data.get("code_challenge_method") or "",
                code,
            )
        except (ValueError, LookupError) as exc:  # the user's scopes changed meanwhile
            raise InvalidScopeError(str(exc), redirect_uri=request.payload.redirect_uri) from None

    def query_authorization_code(self, code: str, client: Client) -> Code | None:
        found = _oauth().code_for_exchange(code, client.get_client_id())
        return Code(found) if found is not None else None

    def delete_authorization_code(self, authorization_code: Code) -> None:
        """Nothing left to do: save_token used the code up in the same transaction that
        stored the tokens."""

    def authenticate_user(self, authorization_code: Code) -> User | None:
        return _active_user(authorization_code.code.user_id)


class RefreshGrant(RefreshTokenGrant):  # type: ignore[misc]
    TOKEN_ENDPOINT_AUTH_METHODS = CLIENT_AUTH_METHODS
    INCLUDE_NEW_REFRESH_TOKEN = True

    def authenticate_refresh_token(self, refresh_token: str) -> Refresh | None:
        found = _oauth().refresh_for_exchange(refresh_token)
        return Refresh(found) if found is not None else None

    def authenticate_user(self, refresh_token: Refresh) -> User | None:
        return _active_user(refresh_token.refresh.user_id)

    def revoke_old_credential(self, refresh_token: Refresh) -> None:
        """Nothing left to do: save_token rotated it in the transaction that stored the new
        pair."""


class Revocation(RevocationEndpoint):  # type: ignore[misc]
    CLIENT_AUTH_METHODS = CLIENT_AUTH_METHODS

    def query_token(self, token_string: str, token_type_hint: str | None) -> Revocable | None:
        found = _oauth().find_revocable(token_string, token_type_hint)
        return Revocable(found) if found is not None else None

    def revoke_token(self, token: Revocable, request: Any) -> None:
        _oauth().revoke(token.token)


def _generate_token(**kwargs: Any) -> dict[str, Any]:
    """Authlib's token dict; save_token fills in the tokens the service issues."""
    return {"token_type": "Bearer"}


def _save_token(token: dict[str, Any], request: Any) -> None:
    """Stores the tokens (the service makes them) and puts them into the response Authlib
    sends. A code or refresh token used meanwhile is invalid_grant, and its grant revoked."""
    try:
        if request.payload.grant_type == "authorization_code":
            issued = _oauth().exchange_code(request.authorization_code.code)
        else:
            issued = _oauth().rotate(request.refresh_token.refresh, request.payload.scope or "")
    except (CodeReused, RefreshReused):
        raise InvalidGrantError("The grant was already used.") from None
    token.update(
        access_token=issued.access_token,
        refresh_token=issued.refresh_token,
        expires_in=issued.expires_in,
        scope=issued.scope,
    )


def _query_client(client_id: str) -> Client | None:
    row = _oauth().get_client(client_id)
    return Client(row, _oauth()) if row is not None else None


class TraxAuthorizationServer(AuthorizationServer):  # type: ignore[misc]
    """Authlib refuses a request whose URL is plain http (except on a loopback address). Behind
    a TLS-terminating proxy the request reaches us as http: the URL Authlib judges is the one
    clients use, TRAX_PUBLIC_BASE_URL's origin when it is set."""

    def create_oauth2_request(self, request: Any) -> FlaskOAuth2Request:
        base = current_app.config.get("TRAX_PUBLIC_BASE_URL")
        if not base:
            return FlaskOAuth2Request(flask_request)
        uri = str(base).rstrip("/") + flask_request.full_path.rstrip("?")
        return _PublicUrlRequest(flask_request, uri)


class _PublicUrlRequest(FlaskOAuth2Request):  # type: ignore[misc]
    def __init__(self, request: Any, uri: str) -> None:
        OAuth2Request.__init__(self, method=request.method, uri=uri, headers=request.headers)
        self._request = request
        self.payload = FlaskOAuth2Payload(request)


def install_oauth(app: Flask, oauth: OAuthService, csrf: CSRFProtect) -> AuthorizationServer:
    app.extensions["trax.oauth"] = oauth
    server = TraxAuthorizationServer(app, query_client=_query_client, save_token=_save_token)
    server.register_token_generator("default", _generate_token)
    server.register_grant(CodeGrant, [S256Required(required=True)])
    server.register_grant(RefreshGrant)
    server.register_endpoint(Revocation)
    app.extensions["trax.oauth_server"] = server
    app.register_blueprint(oauth_pages)
    csrf.exempt(token)
    csrf.exempt(revoke)
    return server


# --- the endpoints ------------------------------------------------------------------------


def _redirect_origin(redirect_uri: str) -> str:
    """What the consent page's CSP must let its form end up at (form-action also covers the
    redirect after the POST)."""
    parts = urlsplit(redirect_uri)
    origin = f"{parts.scheme}://{parts.netloc}" if parts.netloc else f"{parts.scheme}:"
    return origin if _CSP_SOURCE.fullmatch(origin) else ""


def _error_page(error: OAuth2Error) -> tuple[str, int]:
    message = (
        "This sign-in link is not valid, so nothing was shared with the app: "
        f"{error.description or error.error}"
    )
    return render_template("error.html", title="Cannot sign in", message=message), 400


def _consent_or_error(user: SignedInUser) -> tuple[Any, ResponseReturnValue | None]:
    """The validated grant, or the response that ends the request (an error redirected to
    the app, or shown here when the app or its redirect URI cannot be trusted)."""
    server = _server()
    try:
        grant = server.get_consent_grant(end_user=user)
        missing = [s for s in ALL_SCOPES if s in split_scopes(grant.request.scope)]
        missing = [s for s in missing if s not in user.scopes]
        if missing:
            raise InvalidScopeError(
                "You can only grant scopes you hold; not held: " + ", ".join(missing),
                redirect_uri=grant.redirect_uri,
                state=grant.request.payload.state,
            )
    except OAuth2Error as error:
        if error.redirect_uri:
            return None, server.handle_error_response(None, error)
        return None, _error_page(error)
    return grant, None


@oauth_pages.get(AUTHORIZE_PATH)
@login_required
def authorize() -> ResponseReturnValue:
    user = signed_in_user()
    grant, ended = _consent_or_error(user)
    if ended is not None:
        return ended
    client = cast(Client, grant.client).row
    g.form_action_extra = _redirect_origin(grant.redirect_uri)
    return render_template(
        "consent.html",
        app=client,
        scopes=scope_words(split_scopes(grant.request.scope)),
        redirect_uri=grant.redirect_uri,
        form=ConfirmForm(),
        action=request.full_path,
        user=user,
    )


@oauth_pages.post(AUTHORIZE_PATH)
@login_required
def decide() -> ResponseReturnValue:
    user = signed_in_user()
    if not ConfirmForm().validate_on_submit():
        message = "This form has expired or did not come from this site. Start again from the app."
        return render_template("error.html", title="Form expired", message=message), 400
    grant, ended = _consent_or_error(user)
    if ended is not None:
        return ended
    allowed = request.form.get("decision") == "allow"
    response = _server().create_authorization_response(
        grant=grant, grant_user=user if allowed else None
    )
    return cast(Response, response)


def _no_query_parameters() -> Response | None:
    """Tokens and codes travel in the body only (OAuth 2.1 §3.2)."""
    if not request.args:
        return None
    error = InvalidRequestError("Parameters are not accepted in the query string.")
    return cast(Response, _server().handle_error_response(None, error))


@oauth_pages.post(TOKEN_PATH)
def token() -> Response:
    refused = _no_query_parameters()
    if refused is not None:
        return refused
    return cast(Response, _server().create_token_response())


@oauth_pages.post(REVOKE_PATH)
def revoke() -> Response:
    refused = _no_query_parameters()
    if refused is not None:
        return refused
    return cast(Response, _server().create_endpoint_response(Revocation.ENDPOINT_NAME))


def issuer() -> str:
    base = current_app.config.get("TRAX_PUBLIC_BASE_URL") or request.host_url
    return str(base).rstrip("/")


def metadata() -> dict[str, Any]:
    base = issuer()
    return {
        "issuer": base,
        "authorization_endpoint": base + AUTHORIZE_PATH,
        "token_endpoint": base + TOKEN_PATH,
        "revocation_endpoint": base + REVOKE_PATH,
        "scopes_supported": list(ALL_SCOPES),
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "grant_types_supported": ["authorization_code", "refresh_token"],
        "token_endpoint_auth_methods_supported": CLIENT_AUTH_METHODS,
        "revocation_endpoint_auth_methods_supported": CLIENT_AUTH_METHODS,
        "code_challenge_methods_supported": [CODE_CHALLENGE_METHOD],
        "service_documentation": base + "/v1/ui/",
    }


@oauth_pages.get(METADATA_PATH)
def server_metadata() -> Response:
    return jsonify(metadata())

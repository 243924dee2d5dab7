"""`trax`: the operator's command line. Every command takes --json for scripts."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

import click

from server.config import Settings
from server.domain.errors import ApiError
from server.domain.scopes import ALL_SCOPES
from server.handlers.shaping import timestamp
from server.services.container import Services, secret_keyring
from server.services.users import generate_password
from server.storage import migrate
from server.storage.models import ApiKey, OAuthClient, User
from server.storage.sealed_secrets import new_secret_key

DEMO_ACCOUNT_NAME = "Demo account"
DEMO_USER_EMAIL = "demo@trax.local"
KEYS_SCREEN_PATH = "/account/api-keys"
# Where `make run` serves it.
KEYS_SCREEN_URL = "http://127.0.0.1:8000" + KEYS_SCREEN_PATH


@contextmanager
def _services() -> Iterator[Services]:
    services = Services.build(Settings.from_env())
    try:
        yield services
    finally:
        services.close()


def _emit(as_json: bool, payload: dict[str, Any], text: str) -> None:
    click.echo(json.dumps(payload) if as_json else text)


def _fail(as_json: bool, message: str) -> None:
    if as_json:
        click.echo(json.dumps({"error": message}))
    else:
        click.echo(f"error: {message}", err=True)
    sys.exit(1)


def _key_json(key: ApiKey) -> dict[str, Any]:
    def when(value: datetime | None) -> str | None:
        return timestamp(value) if value else None

    return {
        "id": key.id,
        "accountId": key.account_id,
        "name": key.name,
        "prefix": key.prefix,
        "scopes": key.scopes.split(),
        "createdAt": when(key.created_at),
        "lastUsedAt": when(key.last_used_at),
        "expiresAt": when(key.expires_at),
        "revokedAt": when(key.revoked_at),
        "userId": key.user_id,
    }


def _user_json(user: User) -> dict[str, Any]:
    return {
        "id": user.id,
        "accountId": user.account_id,
        "email": user.email,
        "scopes": user.scopes.split(),
        "owner": user.is_owner,
        "active": user.deactivated_at is None,
        "passwordSet": user.password_hash is not None,
        "createdAt": timestamp(user.created_at),
    }


def _read_password(from_stdin: bool) -> tuple[str, bool]:
    """The password from standard input (first line), or a generated one; and whether it was
    generated (then it is printed, once)."""
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n"), False
    return generate_password(), True


json_option = click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
metrics_port_option = click.option(
    "--metrics-port",
    type=click.IntRange(1, 65535),
    default=None,
    help="Serve Prometheus metrics on this port (GET /metrics; off by default). Never the "
    "API's port.",
)
metrics_host_option = click.option(
    "--metrics-host",
    default="127.0.0.1",
    show_default=True,
    help="The address the metrics port listens on.",
)


@contextmanager
def _metrics_endpoint(
    settings: Settings, host: str, port: int | None, *, workers: bool = False
) -> Iterator[None]:
    """The metrics port of this command (nothing when `port` is None). With `workers`, every
    process of `trax serve` writes to one emptied multiprocess directory and the scrape sums
    them; it must be set up before any metric is touched, so this runs first."""
    if port is None:
        yield
        return
    from server.observability.metrics import prepare_multiprocess_dir, serve_metrics
    from server.storage.database import make_engine
    from server.storage.operational_stats import read_operational_stats

    if workers:
        prepare_multiprocess_dir()
    engine = make_engine(settings.database_url, settings.database_timeout_seconds)
    stop = serve_metrics(host, port, lambda: read_operational_stats(engine))
    click.echo(f"metrics at http://{host}:{port}/metrics", err=True)
    try:
        yield
    finally:
        stop()
        engine.dispose()


@click.group()
def main() -> None:
    """Operate a TRaX API deployment. Reads TRAX_DATABASE_URL and TRAX_KEY_HASH_SECRET."""


@main.group()
def db() -> None:
    """Database schema."""


@db.command("upgrade")
@json_option
def db_upgrade(as_json: bool) -> None:
    """Apply every migration."""
    settings = Settings.from_env()
    migrate.upgrade(settings.database_url, secret_keyring=secret_keyring(settings))
    _emit(as_json, {"upgraded": True}, "database is at the latest migration")


@main.group()
def accounts() -> None:
    """Accounts (tenants)."""


@accounts.command("create")
@click.option("--name", required=True)
@click.option(
    "--owner-email",
    default=None,
    help="The owner's sign-in email; set the password with `trax users set-password`.",
)
@json_option
def accounts_create(name: str, owner_email: str | None, as_json: bool) -> None:
    """Create an account and its owner user (who holds every scope)."""
    try:
        with _services() as services:
            account = services.accounts.create(name, owner_email=owner_email)
            owner = _owner(services, account.id)
    except ValueError as exc:
        _fail(as_json, str(exc))
    _emit(
        as_json,
        {"id": account.id, "name": account.name, "ownerUserId": owner.id},
        account.id,
    )


@main.group()
def users() -> None:
    """The people of an account, who sign in to the API keys screen, and the scopes they hold."""


def _scopes(scopes: tuple[str, ...]) -> list[str]:
    return list(ALL_SCOPES) if "all" in scopes else list(scopes)


@users.command("create")
@click.option("--account", "account_id", required=True)
@click.option("--email", required=True)
@click.option("--scope", "scopes", multiple=True, required=True, help="Repeat; or 'all'.")
@click.option(
    "--password-stdin",
    is_flag=True,
    help="Read the password from standard input; else one is generated and printed once.",
)
@json_option
def users_create(
    account_id: str, email: str, scopes: tuple[str, ...], password_stdin: bool, as_json: bool
) -> None:
    """Create a user of an account, holding the given scopes."""
    password, generated = _read_password(password_stdin)
    try:
        with _services() as services:
            user = services.users.create(account_id, email, _scopes(scopes), password)
    except (ValueError, LookupError) as exc:
        _fail(as_json, str(exc).strip("'\""))
    payload = _user_json(user)
    text = f"{user.id} {user.email}"
    if generated:
        payload["password"] = password
        text += f"\npassword (shown once): {password}"
    _emit(as_json, payload, text)


@users.command("list")
@click.option("--account", "account_id", required=True)
@json_option
def users_list(account_id: str, as_json: bool) -> None:
    with _services() as services:
        listed = [_user_json(user) for user in services.users.list(account_id)]
    lines = [
        f"{u['id']}  {u['email'] or '(no email)'}  {' '.join(u['scopes'])}"
        f"{'  owner' if u['owner'] else ''}{'' if u['active'] else '  DEACTIVATED'}"
        for u in listed
    ]
    _emit(as_json, {"users": listed}, "\n".join(lines) or "no users")


@users.command("scopes")
@click.argument("user_id")
@click.option("--scope", "scopes", multiple=True, required=True, help="Repeat; or 'all'.")
@json_option
def users_scopes(user_id: str, scopes: tuple[str, ...], as_json: bool) -> None:
    """Set the scopes a user holds. Their keys lose any scope not held any more."""
    try:
        with _services() as services:
            user = services.users.set_scopes(user_id, _scopes(scopes))
    except (ValueError, LookupError) as exc:
        _fail(as_json, str(exc).strip("'\""))
    _emit(as_json, _user_json(user), f"{user.id} holds {user.scopes}")


@users.command("set-password")
@click.argument("user_id")
@click.option(
    "--password-stdin", is_flag=True, help="Read it from standard input; else generate one."
)
@json_option
def users_set_password(user_id: str, password_stdin: bool, as_json: bool) -> None:
    """Set a user's password (ends their web sessions)."""
    password, generated = _read_password(password_stdin)
    try:
        with _services() as services:
            user = services.users.set_password(user_id, password)
    except (ValueError, LookupError) as exc:
        _fail(as_json, str(exc).strip("'\""))
    payload = _user_json(user)
    text = f"password of {user.id} set"
    if generated:
        payload["password"] = password
        text += f"\npassword (shown once): {password}"
    _emit(as_json, payload, text)


@users.command("set-email")
@click.argument("user_id")
@click.option("--email", required=True)
@json_option
def users_set_email(user_id: str, email: str, as_json: bool) -> None:
    try:
        with _services() as services:
            user = services.users.set_email(user_id, email)
    except (ValueError, LookupError) as exc:
        _fail(as_json, str(exc).strip("'\""))
    _emit(as_json, _user_json(user), f"{user.id} signs in as {user.email}")


@users.command("deactivate")
@click.argument("user_id")
@json_option
def users_deactivate(user_id: str, as_json: bool) -> None:
    """Sign the user out everywhere; their keys answer 401 until reactivated."""
    try:
        with _services() as services:
            user = services.users.set_active(user_id, False)
    except LookupError as exc:
        _fail(as_json, str(exc).strip("'\""))
    _emit(as_json, _user_json(user), f"deactivated {user.id}")


@users.command("activate")
@click.argument("user_id")
@json_option
def users_activate(user_id: str, as_json: bool) -> None:
    try:
        with _services() as services:
            user = services.users.set_active(user_id, True)
    except LookupError as exc:
        _fail(as_json, str(exc).strip("'\""))
    _emit(as_json, _user_json(user), f"activated {user.id}")


@main.group()
def keys() -> None:
    """API keys."""


@keys.command("create")
@click.option("--account", "account_id", required=True)
@click.option("--name", required=True)
@click.option("--scope", "scopes", multiple=True, required=True, help="Repeat; or 'all'.")
@click.option("--expires-in-days", type=int, default=None)
@json_option
def keys_create(
    account_id: str, name: str, scopes: tuple[str, ...], expires_in_days: int | None, as_json: bool
) -> None:
    """Create a key of the account's owner and print its secret, once."""
    wanted = list(ALL_SCOPES) if "all" in scopes else list(scopes)
    try:
        with _services() as services:
            created = services.api_keys.create(account_id, name, wanted, expires_in_days)
    except (ValueError, LookupError) as exc:
        _fail(as_json, str(exc).strip("'\""))
    payload = {**_key_json(created.key), "secret": created.secret}
    _emit(
        as_json,
        payload,
        f"{created.secret}\n(key {created.key.id}; the secret is shown once, store it now)",
    )


@keys.command("list")
@click.option("--account", "account_id", required=True)
@json_option
def keys_list(account_id: str, as_json: bool) -> None:
    with _services() as services:
        listed = [_key_json(key) for key in services.api_keys.list(account_id)]
    lines = [
        f"{k['id']}  {k['prefix']}…  {' '.join(k['scopes'])}  created {k['createdAt']}  "
        f"last used {k['lastUsedAt'] or 'never'}  expires {k['expiresAt'] or 'never'}  "
        f"{'REVOKED ' + k['revokedAt'] if k['revokedAt'] else 'active'}"
        for k in listed
    ]
    _emit(as_json, {"keys": listed}, "\n".join(lines) or "no keys")


@keys.command("revoke")
@click.argument("key_id")
@json_option
def keys_revoke(key_id: str, as_json: bool) -> None:
    try:
        with _services() as services:
            key = services.api_keys.revoke(key_id)
    except LookupError as exc:
        _fail(as_json, str(exc).strip("'\""))
    _emit(as_json, _key_json(key), f"revoked {key.id}")


@main.group()
def apps() -> None:
    """Apps for Sign in with TRaX (OAuth 2.0 authorization code + PKCE)."""


def _app_json(client: OAuthClient) -> dict[str, Any]:
    return {
        "clientId": client.id,
        "accountId": client.account_id,
        "name": client.name,
        "type": "confidential" if client.confidential else "public",
        "redirectUris": client.redirect_uris.split("\n"),
        "scopes": client.scopes.split(),
        "createdBy": client.created_by,
        "createdAt": timestamp(client.created_at),
        "deletedAt": timestamp(client.revoked_at) if client.revoked_at else None,
    }


@apps.command("create")
@click.option("--account", "account_id", required=True)
@click.option("--name", required=True)
@click.option("--redirect-uri", "redirect_uris", multiple=True, required=True, help="Repeat.")
@click.option("--scope", "scopes", multiple=True, required=True, help="Repeat; or 'all'.")
@click.option("--confidential", is_flag=True, help="A server-side app with a secret.")
@json_option
def apps_create(
    account_id: str,
    name: str,
    redirect_uris: tuple[str, ...],
    scopes: tuple[str, ...],
    confidential: bool,
    as_json: bool,
) -> None:
    """Register an app of the account (its owner registers it); a confidential app's secret
    is printed once."""
    wanted = list(ALL_SCOPES) if "all" in scopes else list(scopes)
    try:
        with _services() as services:
            registered = services.oauth.register(
                account_id, name, list(redirect_uris), wanted, confidential=confidential
            )
    except (ValueError, LookupError) as exc:
        _fail(as_json, str(exc).strip("'\""))
    payload = {**_app_json(registered.client), "clientSecret": registered.secret}
    text = f"client id {registered.client.id}"
    if registered.secret:
        text += f"\nclient secret {registered.secret}\n(the secret is shown once, store it now)"
    _emit(as_json, payload, text)


@apps.command("list")
@click.option("--account", "account_id", required=True)
@json_option
def apps_list(account_id: str, as_json: bool) -> None:
    with _services() as services:
        listed = [_app_json(client) for client in services.oauth.list_for_account(account_id)]
    lines = [
        f"{a['clientId']}  {a['name']}  {a['type']}  {' '.join(a['redirectUris'])}  "
        f"{' '.join(a['scopes'])}  {'DELETED ' + a['deletedAt'] if a['deletedAt'] else 'active'}"
        for a in listed
    ]
    _emit(as_json, {"apps": listed}, "\n".join(lines) or "no apps")


@apps.command("delete")
@click.argument("client_id")
@json_option
def apps_delete(client_id: str, as_json: bool) -> None:
    """Delete an app: every grant and token of it stops working."""
    try:
        with _services() as services:
            client = services.oauth.delete(client_id)
    except LookupError as exc:
        _fail(as_json, str(exc).strip("'\""))
    _emit(as_json, _app_json(client), f"deleted {client.id}")


@main.group()
def connections() -> None:
    """Linked platform accounts (linking happens in the web studio through OAuth)."""


@connections.command("link")
@click.option("--account", "account_id", required=True)
@click.option("--platform", required=True, help="youtube, twitch, facebook, linkedin or kick")
@click.option("--handle", required=True, help="The account's name on the platform.")
@json_option
def connections_link(account_id: str, platform: str, handle: str, as_json: bool) -> None:
    try:
        with _services() as services:
            connection = services.connections.link(account_id, platform, handle)
    except (ValueError, LookupError) as exc:
        _fail(as_json, str(exc).strip("'\""))
    payload = {
        "id": connection.id,
        "accountId": connection.account_id,
        "platform": connection.platform,
        "accountName": connection.handle,
        "status": connection.status,
        "linkedAt": timestamp(connection.linked_at),
    }
    _emit(as_json, payload, connection.id)


@main.group()
def chat() -> None:
    """The chat adapter layer: inbound messages and the delivery outbox."""


@chat.command("receive")
@click.option("--account", "account_id", required=True)
@click.option("--studio", "studio_id", required=True)
@click.option("--connection", "connection_id", required=True)
@click.option("--author", required=True)
@click.option("--text", required=True)
@click.option("--platform-message-id", required=True, help="The platform's id; makes it once-only.")
@json_option
def chat_receive(
    account_id: str,
    studio_id: str,
    connection_id: str,
    author: str,
    text: str,
    platform_message_id: str,
    as_json: bool,
) -> None:
    """Hand an inbound platform message to the API, as a platform adapter does."""
    try:
        with _services() as services:
            message = services.chat.receive(
                account_id,
                studio_id,
                connection_id,
                author=author,
                text=text,
                platform_message_id=platform_message_id,
            )
    except (LookupError, ApiError) as exc:
        _fail(as_json, getattr(exc, "message", None) or str(exc).strip("'\""))
    _emit(as_json, {"id": message.id, "platform": message.platform}, message.id)


@chat.command("deliver")
@click.option("--limit", default=100, show_default=True, type=int)
@json_option
def chat_deliver(limit: int, as_json: bool) -> None:
    """Retry pending chat deliveries (run periodically, e.g. from cron)."""
    with _services() as services:
        attempted = services.chat.deliver_pending(limit)
    _emit(as_json, {"attempted": attempted}, f"attempted {attempted} pending deliveries")


@main.group()
def demo() -> None:
    """The embedded demo set-up used by `make run`."""


@demo.command("setup")
@json_option
def demo_setup(as_json: bool) -> None:
    """Create a demo account and an all-scopes key the first time; print that secret once."""
    with _services() as services:
        _demo_setup(services, as_json)


def _demo_setup(services: Services, as_json: bool) -> None:
    existing = services.accounts.find_by_name(DEMO_ACCOUNT_NAME)
    if existing is not None:
        user_payload, user_text = _demo_user(services, existing.id)
        if user_payload:
            _emit(
                as_json,
                {"accountId": existing.id, "created": False, **user_payload},
                f"Demo account {existing.id} exists (its key was printed when it was created)."
                f"\n\n{user_text}",
            )
            return
        _emit(
            as_json,
            {"accountId": existing.id, "created": False},
            f"Demo account {existing.id} exists; its key and the demo user's password were "
            f"printed when they were created.\n"
            f"Make another key on {KEYS_SCREEN_URL} or with: trax keys create --account "
            f"{existing.id} --name demo --scope all\n"
            f"New password: trax users set-password {_owner(services, existing.id).id}",
        )
        return
    account = services.accounts.create(DEMO_ACCOUNT_NAME)
    created = services.api_keys.create(account.id, "demo", list(ALL_SCOPES))
    user_payload, user_text = _demo_user(services, account.id)
    _emit(
        as_json,
        {"accountId": account.id, "created": True, "secret": created.secret, **user_payload},
        f"Demo account {account.id} with an all-scopes API key (shown once, store it now):\n\n"
        f"    {created.secret}\n\n"
        f'    curl -sS http://127.0.0.1:8000/v1/studios -H "Authorization: Bearer '
        f'{created.secret}"\n\n{user_text}',
    )


def _owner(services: Services, account_id: str) -> User:
    owner = services.users.owner_of(account_id)
    if owner is None:
        raise click.ClickException(f"account {account_id} has no owner")
    return owner


def _user(services: Services, user_id: str) -> User:
    user = services.users.get(user_id)
    if user is None:
        raise click.ClickException(f"no user {user_id}")
    return user


def _demo_user(services: Services, account_id: str) -> tuple[dict[str, Any], str]:
    """Makes the demo account's owner the demo user the first time (email and a generated
    password); nothing once it has a password."""
    owner = _owner(services, account_id)
    if owner.password_hash is not None:
        return {}, ""
    if owner.email is None:
        services.users.set_email(owner.id, DEMO_USER_EMAIL)
    owner = _user(services, owner.id)
    password = generate_password()
    services.users.set_password(owner.id, password)
    payload = {"email": owner.email, "password": password, "keysUrl": KEYS_SCREEN_URL}
    text = (
        f"Sign in to the Developer / API Keys screen (password shown once):\n\n"
        f"    {KEYS_SCREEN_URL}\n"
        f"    email:    {owner.email}\n"
        f"    password: {password}\n"
    )
    return payload, text


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option(
    "--workers",
    default=1,
    show_default=True,
    type=click.IntRange(min=1),
    help="Worker processes. More than one: set TRAX_REDIS_URL so they share rate limits.",
)
@click.option(
    "--limit-concurrency",
    default=1000,
    show_default=True,
    type=click.IntRange(min=1),
    help="Per worker: requests in flight beyond this get 503 service_unavailable (the "
    "envelope, with Retry-After); uvicorn's own limit is set to twice this, for idle "
    "connections.",
)
@click.option(
    "--timeout-keep-alive",
    default=5,
    show_default=True,
    type=click.IntRange(min=1),
    help="Seconds an idle keep-alive connection is kept open.",
)
@click.option(
    "--no-webhook-worker",
    is_flag=True,
    help="Do not deliver webhooks from this process (run `trax webhooks deliver` elsewhere).",
)
@click.option(
    "--relay/--no-relay",
    default=None,
    help="Run a relay worker in the background (default: TRAX_RELAY_IN_SERVE, on).",
)
@metrics_port_option
@metrics_host_option
def serve(
    host: str,
    port: int,
    workers: int,
    limit_concurrency: int,
    timeout_keep_alive: int,
    no_webhook_worker: bool,
    relay: bool | None,
    metrics_port: int | None,
    metrics_host: str,
) -> None:
    """Serve the API with uvicorn, and by default in the background one webhook delivery loop
    and one relay worker."""
    from server.observability.logs import configure_logging
    from server.services.webhook_delivery import start_background_delivery

    # Read by each worker's app (server.asgi): the envelope's 503 comes before uvicorn's.
    os.environ["TRAX_MAX_CONCURRENT_REQUESTS"] = str(limit_concurrency)
    settings = Settings.from_env()
    configure_logging(settings.log_format)
    with _metrics_endpoint(settings, metrics_host, metrics_port, workers=True):
        stop_relay = _start_relay_for_serve(settings, relay)
        stop_delivery = None if no_webhook_worker else start_background_delivery(settings)
        try:
            _serve(settings, host, port, workers, limit_concurrency, timeout_keep_alive)
        finally:
            if stop_delivery is not None:
                stop_delivery()
            stop_relay()


def _start_relay_for_serve(settings: Settings, relay: bool | None) -> Callable[[], None]:
    if relay is None:
        relay = settings.relay_in_serve
    if not relay or settings.stream_engine != "relay":
        return lambda: None
    from server.streaming.background import start_background_relay

    click.echo("relay worker running in the background (--no-relay turns it off)", err=True)
    return start_background_relay(settings)


SERVE_LOOP = "uvloop"


def _serve(
    settings: Settings,
    host: str,
    port: int,
    workers: int,
    limit_concurrency: int,
    timeout_keep_alive: int,
) -> None:
    import uvicorn

    if workers > 1 and not settings.redis_url:
        click.echo(
            f"warning: {workers} workers without TRAX_REDIS_URL: each worker has its own "
            "rate-limit buckets, so a key gets up to that many times its limit",
            err=True,
        )
    uvicorn.run(
        "server.asgi:app",
        host=host,
        port=port,
        workers=workers,
        log_level="info",
        log_config=None,  # server/observability/logs.py configures logging in every process
        limit_concurrency=2 * limit_concurrency,
        timeout_keep_alive=timeout_keep_alive,
        # uvloop, not the standard asyncio loop: `make bench` measures less CPU per request
        # under uvloop on almost every workload, and with two workers asyncio serves 0.3-0.9
        # times one worker's requests where uvloop serves 1.4-2.2 times as many (asyncio's
        # accept takes every waiting connection into whichever worker wakes first). The price:
        # on a saturated worker uvloop serves the first request of a burst of new connections
        # one per pass of the loop (README, "Benchmark"). httptools: the pinned HTTP parser.
        loop=SERVE_LOOP,
        http="httptools",
    )


@main.command()
@click.option("--worker-id", default=None, help="Name this worker (default: host:pid:random).")
@click.option(
    "--ingest/--no-ingest",
    default=None,
    help="Also run the embedded RTMP ingest (default: TRAX_RTMP_INGEST, on; needs nginx-rtmp).",
)
@metrics_port_option
@metrics_host_option
def relay(
    worker_id: str | None, ingest: bool | None, metrics_port: int | None, metrics_host: str
) -> None:
    """Run a relay worker: take leases on live studios and run their ffmpeg processes until
    interrupted (SIGINT/SIGTERM stop every process and hand the studios back)."""
    import dataclasses
    import signal

    from server.streaming.background import start_ingest

    settings = Settings.from_env()
    if settings.stream_engine != "relay":
        _fail(False, "TRAX_STREAM_ENGINE is not 'relay': there is nothing for a relay to do")
    if ingest is not None:
        settings = dataclasses.replace(settings, rtmp_ingest=ingest)
    from server.observability.logs import configure_logging

    configure_logging(settings.log_format)
    with _metrics_endpoint(settings, metrics_host, metrics_port):
        services = Services.build(settings)
        try:
            stop_ingest = start_ingest(services)
            worker = services.relay_worker(worker_id)
            for signum in (signal.SIGINT, signal.SIGTERM):
                signal.signal(signum, lambda *_: worker.stop())
            click.echo(f"relay worker {worker.worker_id} running", err=True)
            try:
                worker.run()
            finally:
                stop_ingest()
        finally:
            services.close()


@main.group()
def webhooks() -> None:
    """Webhook delivery."""


@webhooks.command("deliver")
@click.option("--once", is_flag=True, help="Attempt what is due now, then exit (for cron).")
@metrics_port_option
@metrics_host_option
@json_option
def webhooks_deliver(
    once: bool, metrics_port: int | None, metrics_host: str, as_json: bool
) -> None:
    """Deliver due webhook events (a loop until interrupted, or --once). Safe to run on several
    machines at once: each delivery is leased by one worker."""
    import signal
    import threading

    from server.observability.logs import configure_logging

    settings = Settings.from_env()
    if not once:
        configure_logging(settings.log_format)
    port = None if once else metrics_port
    with _metrics_endpoint(settings, metrics_host, port), _services() as services:
        worker = services.delivery_worker()
        if once:
            attempts = worker.run_once()
            _emit(as_json, {"attempts": attempts}, f"{attempts} delivery attempts")
            return
        stop = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        try:
            worker.run(stop)
        except KeyboardInterrupt:
            stop.set()


@main.group()
def maintenance() -> None:
    """Housekeeping."""


@maintenance.command("reseal-secrets")
@json_option
def maintenance_reseal_secrets(as_json: bool) -> None:
    """Re-seal every stream key under the first key of TRAX_SECRET_KEYS (after a rotation)."""
    with _services() as services:
        resealed = services.stream_keys.reseal_all(services.unit_of_work)
    _emit(as_json, {"resealed": resealed}, f"{resealed} stream keys re-sealed")


@maintenance.command("new-secret-key")
@json_option
def maintenance_new_secret_key(as_json: bool) -> None:
    """Print a fresh random key for TRAX_SECRET_KEYS (`id=<this>`)."""
    key = new_secret_key()
    _emit(as_json, {"key": key}, key)


@maintenance.command("purge")
@json_option
def maintenance_purge(as_json: bool) -> None:
    """Delete events past their 30-day retention (with their deliveries), Idempotency-Key
    records past their 24 hours and OAuth authorization codes a day past their expiry, 1,000
    at a time."""
    with _services() as services:
        total = 0
        while True:
            deleted = services.events.purge()
            total += deleted
            if deleted == 0:
                break
        records = 0
        while True:
            deleted = services.idempotency.purge()
            records += deleted
            if deleted == 0:
                break
        codes = 0
        while True:
            deleted = services.oauth.purge_codes()
            codes += deleted
            if deleted == 0:
                break
    _emit(
        as_json,
        {"deleted": total, "idempotencyRecords": records, "oauthCodes": codes},
        f"{total} expired events, {records} expired idempotency records and {codes} expired"
        " OAuth codes deleted",
    )

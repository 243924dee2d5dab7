"""Settings, read once from the environment. Every knob of the server is declared here once:
its default on Settings, its variable in ENVIRONMENT, its bounds in `__post_init__`."""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from server.services.outbound import IPNetwork, parse_networks

VAR_DIR = Path(os.environ.get("TRAX_VAR_DIR", "var"))
DEFAULT_DATABASE_URL = f"sqlite:///{VAR_DIR / 'trax.db'}"
_TRUE = {"1", "true", "yes", "on"}
# The contract's bound on a media asset's declared size (MediaSize.maximum): 5 GiB, also the
# largest single PUT an S3 object store accepts. A deployment may configure a lower maximum.
MEDIA_SIZE_LIMIT = 5 * 1024**3
MEDIA_BACKENDS = ("local", "s3")
STREAM_ENGINES = ("relay", "bookkeeping")
LOG_FORMATS = ("json", "text")


def _dev_key_hash_secret() -> str:
    """The embedded default: a random secret kept under var/ so keys survive restarts."""
    path = VAR_DIR / "key-hash-secret"
    if path.exists():
        return path.read_text().strip()
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    secret = secrets.token_hex(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(secret)
    return secret


@dataclass(frozen=True)
class Settings:
    database_url: str = DEFAULT_DATABASE_URL
    # PUBLIC_API_WRITE_ENABLED: unset means off; every mutating route answers 503 while off.
    write_enabled: bool = False
    # The HMAC key under which API-key secrets are hashed; only the hash is stored.
    key_hash_secret: str = ""
    # TRAX_SECRET_KEYS: the keyring that seals stream keys at rest, `id=<base64 32 bytes>`
    # comma-separated, the sealing key first (server/storage/sealed_secrets.py). Unset: one
    # key derived from the key hash secret.
    secret_keys: str | None = None
    max_body_bytes: int = 64 * 1024
    # Response validation against the spec: on in tests and CI, off in production (it costs CPU).
    validate_responses: bool = False
    # lastUsedAt is written at most this often per key, not on every request.
    last_used_resolution_seconds: int = 60
    # The host of the ingest plane that sources publish to.
    ingest_host: str = "ingest-dev.traxstreaming.live"
    # The token bucket of each API key: at most `burst` requests at once, refilled at
    # `per_second` tokens a second.
    rate_limit_burst: int = 100
    rate_limit_per_second: float = 10.0
    # Redis shares the buckets between processes; without it each process has its own.
    redis_url: str | None = None
    redis_prefix: str = "trax:"
    # How long a request body may take to arrive, in seconds (slow bodies answer 408).
    body_timeout_seconds: float = 10.0
    # Requests in flight per process; more answer 503 service_unavailable with Retry-After.
    max_concurrent_requests: int = 1000
    # How long to wait for a database connection (pool or connect) before answering 503.
    database_timeout_seconds: float = 5.0
    # PostgreSQL: the longest a statement may run (statement_timeout); a round trip that gets
    # no answer within this (plus half a second) drops the connection: a stalled link.
    statement_timeout_seconds: float = 5.0
    # Media library. "local": files under media_dir, uploaded through this server's own
    # /uploads/ URLs. "s3": an S3-compatible object store, uploaded through presigned URLs.
    media_backend: str = "local"
    media_dir: Path = VAR_DIR / "media"
    media_max_bytes: int = MEDIA_SIZE_LIMIT
    # How long an upload URL works; an upload not completed by then leaves the asset expired.
    media_upload_ttl_seconds: int = 3600
    # The embedded store's upload endpoint: an upload that sends nothing for this long, or
    # whose whole body arrives slower than this rate (plus twice the idle allowance), is
    # refused with 408.
    upload_idle_timeout_seconds: float = 30.0
    upload_min_bytes_per_second: int = 128 * 1024
    # The origin clients reach this server at (for the embedded store's upload URLs), e.g.
    # https://api.example.com. Unset: the origin of the request that asked for the URL.
    public_base_url: str | None = None
    s3_bucket: str | None = None
    s3_endpoint_url: str | None = None
    s3_region: str = "us-east-1"
    # Unset: boto3's own credential chain (environment, profile, instance role).
    s3_access_key_id: str | None = None
    s3_secret_access_key: str | None = None
    s3_key_prefix: str = "media/"

    def __post_init__(self) -> None:
        if self.media_backend not in MEDIA_BACKENDS:
            raise ValueError(f"TRAX_MEDIA_BACKEND must be one of {', '.join(MEDIA_BACKENDS)}")
        if not 1 <= self.media_max_bytes <= MEDIA_SIZE_LIMIT:
            raise ValueError(f"TRAX_MEDIA_MAX_BYTES must be between 1 and {MEDIA_SIZE_LIMIT}")
        if not 60 <= self.media_upload_ttl_seconds <= 7 * 24 * 3600:
            raise ValueError("TRAX_MEDIA_UPLOAD_TTL must be between 60 and 604800 seconds")
        if self.upload_idle_timeout_seconds <= 0 or self.upload_min_bytes_per_second <= 0:
            raise ValueError("TRAX_UPLOAD_IDLE_TIMEOUT and TRAX_UPLOAD_MIN_RATE must be positive")
        if self.max_concurrent_requests < 1:
            raise ValueError("TRAX_MAX_CONCURRENT_REQUESTS must be at least 1")
        if not 0 < self.dns_timeout_seconds <= 30:
            raise ValueError("TRAX_DNS_TIMEOUT must be more than 0 and at most 30 seconds")
        if self.media_backend == "s3" and not self.s3_bucket:
            raise ValueError("TRAX_MEDIA_BACKEND=s3 needs TRAX_S3_BUCKET")
        if self.log_format not in LOG_FORMATS:
            raise ValueError(f"TRAX_LOG_FORMAT must be one of {', '.join(LOG_FORMATS)}")
        if not 0 < self.ready_timeout_seconds <= 30:
            raise ValueError("TRAX_READY_TIMEOUT must be more than 0 and at most 30 seconds")
        if self.secret_keys:
            from server.storage.sealed_secrets import SecretKeyring

            SecretKeyring.from_setting(self.secret_keys, self.key_hash_secret)
        if not 1 <= self.read_threads <= 64:
            raise ValueError("TRAX_READ_THREADS must be between 1 and 64")
        if self.stream_engine not in STREAM_ENGINES:
            raise ValueError(f"TRAX_STREAM_ENGINE must be one of {', '.join(STREAM_ENGINES)}")

    # Seconds a key seen valid is trusted in-process without re-reading it (0: never). A key
    # revoked by another process (the CLI, another worker) is refused within this bound.
    auth_cache_seconds: float = 5.0
    # TRAX_LOG_FORMAT: "json" (one object per line, for log pipelines) or "text" (development;
    # what `make run` uses).
    log_format: str = "json"
    # TRAX_READ_THREADS: the threads PostgreSQL reads run on (server/http/execution.py); more
    # overlap more network waits, fewer contend less for the GIL. SQLite reads run inline.
    read_threads: int = 4
    # TRAX_READY_TIMEOUT: how long GET /readyz waits for the database before answering 503.
    ready_timeout_seconds: float = 2.0
    # Networks the outbound guard lets through besides public addresses (destination RTMP URLs,
    # webhook URLs): empty by default; local development and tests use 127.0.0.0/8.
    outbound_allowed_networks: tuple[IPNetwork, ...] = ()
    # How long a host name lookup for a customer's URL may take before the request is refused.
    dns_timeout_seconds: float = 3.0
    # How long a web sign-in lasts (the Developer / API Keys screen), in seconds.
    session_lifetime_seconds: int = 12 * 3600
    # Sign-in attempts: a bucket of `sign_in_burst` per email refilled at `sign_in_per_minute`
    # (each client address gets four times both).
    sign_in_burst: int = 5
    sign_in_per_minute: float = 1.0
    # TRAX_STREAM_ENGINE. "relay" (default): the API records the desired state and relay
    # workers (`trax relay`, or the one `trax serve` runs) push the program with ffmpeg.
    # "bookkeeping": no media plane; every output is reported live at once (tests, demos).
    stream_engine: str = "relay"
    # TRAX_FFMPEG: the ffmpeg the relay runs; unset: the binary of the imageio-ffmpeg wheel.
    ffmpeg: str | None = None
    # TRAX_RELAY_IN_SERVE: `trax serve` runs a relay worker in the background (off: run
    # `trax relay` separately).
    relay_in_serve: bool = True
    # TRAX_RELAY_LEASE_SECONDS: how long a worker's hold on a live studio lasts unrenewed; a
    # studio whose worker died is taken over within this plus one tick (0.5 s).
    relay_lease_seconds: float = 10.0
    # TRAX_RELAY_VIDEO_SIZE / TRAX_RELAY_FPS / TRAX_RELAY_VIDEO_KBPS: the re-encoded program.
    relay_video_size: str = "1280x720"
    relay_fps: int = 30
    relay_video_kbps: int = 2500
    # TRAX_RELAY_GIVE_UP_SECONDS: a live studio none of whose outputs has been live for this
    # long is stopped and marked errored (outputs_failed / input_lost).
    relay_give_up_seconds: float = 300.0
    # TRAX_RTMP_INGEST: the process that runs a relay worker also runs the embedded RTMP ingest
    # (Debian's nginx with the RTMP module) when nginx and the module are installed.
    rtmp_ingest: bool = True
    # TRAX_NGINX: the nginx binary of the ingest (a path or a command on PATH).
    nginx: str = "nginx"
    # TRAX_INGEST_RTMP_PORT: the port the ingest listens on and that sources advertise.
    ingest_rtmp_port: int = 1935

    @classmethod
    def from_env(cls) -> Settings:
        """Each setting from its variable (ENVIRONMENT); unset or empty: the default above."""
        values: dict[str, Any] = {}
        for name, (variable, parse) in ENVIRONMENT.items():
            raw = os.environ.get(variable)
            if raw is None or (not raw.strip() and name not in KEEPS_EMPTY):
                continue
            try:
                values[name] = parse(raw)
            except ValueError as exc:
                raise ValueError(f"{variable}={raw!r} is not valid: {exc}") from None
        if "key_hash_secret" not in values:
            values["key_hash_secret"] = _dev_key_hash_secret()
        return cls(**values)


def _word(raw: str) -> str:
    return raw.strip().lower()


def _flag_value(raw: str) -> bool:
    return raw.strip().lower() in _TRUE


def _str(raw: str) -> str:
    return raw


# Every setting's environment variable and how its text is read. The defaults are the field
# defaults of Settings, declared once.
ENVIRONMENT: dict[str, tuple[str, Callable[[str], Any]]] = {
    "database_url": ("TRAX_DATABASE_URL", _str),
    "write_enabled": ("PUBLIC_API_WRITE_ENABLED", _flag_value),
    "key_hash_secret": ("TRAX_KEY_HASH_SECRET", _str),
    "secret_keys": ("TRAX_SECRET_KEYS", _str),
    "log_format": ("TRAX_LOG_FORMAT", _word),
    "ready_timeout_seconds": ("TRAX_READY_TIMEOUT", float),
    "max_body_bytes": ("TRAX_MAX_BODY_BYTES", int),
    "validate_responses": ("TRAX_VALIDATE_RESPONSES", _flag_value),
    "last_used_resolution_seconds": ("TRAX_LAST_USED_RESOLUTION", int),
    "ingest_host": ("TRAX_INGEST_HOST", _str),
    "rate_limit_burst": ("TRAX_RATE_LIMIT_BURST", int),
    "rate_limit_per_second": ("TRAX_RATE_LIMIT_PER_SECOND", float),
    "redis_url": ("TRAX_REDIS_URL", _str),
    "redis_prefix": ("TRAX_REDIS_PREFIX", _str),
    "body_timeout_seconds": ("TRAX_BODY_TIMEOUT", float),
    "max_concurrent_requests": ("TRAX_MAX_CONCURRENT_REQUESTS", int),
    "database_timeout_seconds": ("TRAX_DATABASE_TIMEOUT", float),
    "statement_timeout_seconds": ("TRAX_STATEMENT_TIMEOUT", float),
    "media_backend": ("TRAX_MEDIA_BACKEND", _word),
    "media_dir": ("TRAX_MEDIA_DIR", Path),
    "media_max_bytes": ("TRAX_MEDIA_MAX_BYTES", int),
    "media_upload_ttl_seconds": ("TRAX_MEDIA_UPLOAD_TTL", int),
    "upload_idle_timeout_seconds": ("TRAX_UPLOAD_IDLE_TIMEOUT", float),
    "upload_min_bytes_per_second": ("TRAX_UPLOAD_MIN_RATE", int),
    "public_base_url": ("TRAX_PUBLIC_BASE_URL", _str),
    "s3_bucket": ("TRAX_S3_BUCKET", _str),
    "s3_endpoint_url": ("TRAX_S3_ENDPOINT_URL", _str),
    "s3_region": ("TRAX_S3_REGION", _str),
    "s3_access_key_id": ("TRAX_S3_ACCESS_KEY_ID", _str),
    "s3_secret_access_key": ("TRAX_S3_SECRET_ACCESS_KEY", _str),
    "s3_key_prefix": ("TRAX_S3_KEY_PREFIX", _str),
    "auth_cache_seconds": ("TRAX_AUTH_CACHE_SECONDS", float),
    "read_threads": ("TRAX_READ_THREADS", int),
    "dns_timeout_seconds": ("TRAX_DNS_TIMEOUT", float),
    "outbound_allowed_networks": ("TRAX_OUTBOUND_ALLOWED_NETWORKS", parse_networks),
    "session_lifetime_seconds": ("TRAX_SESSION_LIFETIME", int),
    "sign_in_burst": ("TRAX_SIGN_IN_BURST", int),
    "sign_in_per_minute": ("TRAX_SIGN_IN_PER_MINUTE", float),
    "stream_engine": ("TRAX_STREAM_ENGINE", _word),
    "ffmpeg": ("TRAX_FFMPEG", _str),
    "relay_in_serve": ("TRAX_RELAY_IN_SERVE", _flag_value),
    "relay_lease_seconds": ("TRAX_RELAY_LEASE_SECONDS", float),
    "relay_video_size": ("TRAX_RELAY_VIDEO_SIZE", _str),
    "relay_fps": ("TRAX_RELAY_FPS", int),
    "relay_video_kbps": ("TRAX_RELAY_VIDEO_KBPS", int),
    "relay_give_up_seconds": ("TRAX_RELAY_GIVE_UP_SECONDS", float),
    "rtmp_ingest": ("TRAX_RTMP_INGEST", _flag_value),
    "nginx": ("TRAX_NGINX", _str),
    "ingest_rtmp_port": ("TRAX_INGEST_RTMP_PORT", int),
}
# An empty TRAX_S3_KEY_PREFIX means the bucket's root, not the default.
KEEPS_EMPTY = frozenset({"s3_key_prefix"})

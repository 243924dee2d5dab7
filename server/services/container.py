"""The services of one app instance, wired to one database and one stream engine."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import timedelta
from functools import partial
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine

from server.adapters.rate_limiter import RateLimiter, build_rate_limiter
from server.chat.adapters import ChatAdapter, LocalRecordingAdapter
from server.config import Settings
from server.services.accounts import AccountService
from server.services.api_keys import ApiKeyService, AuthCache
from server.services.chat import ChatService
from server.services.connections import ConnectionService
from server.services.destinations import DestinationService
from server.services.events import EventService
from server.services.idempotency import IdempotencyService
from server.services.ingest_urls import IngestUrlPolicy
from server.services.media import MediaService
from server.services.oauth import OAuthService
from server.services.outbound import OutboundGuard, Resolver, system_resolver
from server.services.passwords import Argon2idHasher
from server.services.sources import SourceService
from server.services.stream import StreamService
from server.services.stream_keys import StreamKeyVault
from server.services.studios import StudioService
from server.services.unit_of_work import UnitOfWork, UnitOfWorkFactory
from server.services.users import UserService
from server.services.webhooks import WebhookService
from server.storage.database import make_engine, make_session_factory
from server.storage.media_store import LocalMediaStore, MediaStore, S3MediaStore, UploadSigner
from server.storage.reads import StreamStatusReads, StudioReads
from server.storage.sealed_secrets import SecretKeyring
from server.streaming.engine import BookkeepingEngine, RelayEngine, StreamEngine
from server.streaming.ffmpeg import ProgramFormat
from server.streaming.relay import RelayConfig, RelayWorker
from server.webhooks.signing import SecretBox

if TYPE_CHECKING:
    from server.services.webhook_delivery import DeliveryWorker
    from server.streaming.ingest import RtmpIngest


@dataclass
class Services:
    settings: Settings
    engine: Engine
    stream_engine: StreamEngine
    accounts: AccountService
    api_keys: ApiKeyService
    studios: StudioService
    sources: SourceService
    destinations: DestinationService
    stream: StreamService
    connections: ConnectionService
    chat: ChatService
    chat_adapter: ChatAdapter
    media: MediaService
    outbound: OutboundGuard
    users: UserService
    events: EventService
    webhooks: WebhookService
    # Idempotency-Key records of POST requests (server/services/idempotency.py).
    idempotency: IdempotencyService
    webhook_secrets: SecretBox
    stream_keys: StreamKeyVault
    unit_of_work: UnitOfWorkFactory
    media_store: MediaStore
    # The per-key token buckets of /v1 (in-process, or shared through Redis).
    rate_limiter: RateLimiter
    # Sign in with TRaX: OAuth 2.0 apps, grants and tokens (server/services/oauth.py).
    oauth: OAuthService

    def close(self) -> None:
        self.engine.dispose()

    def delivery_worker(self, **options: Any) -> DeliveryWorker:
        """A webhook delivery worker over this database (options: sender, clock, rng, …)."""
        from server.services.webhook_delivery import DeliveryWorker

        return DeliveryWorker(self.unit_of_work, self.outbound, self.webhook_secrets, **options)

    def relay_worker(self, worker_id: str | None = None, **overrides: Any) -> RelayWorker:
        """A relay worker over this instance's database (run it with `.run()` in one thread);
        `overrides` replace RelayConfig fields."""
        settings = self.settings
        width, _, height = settings.relay_video_size.partition("x")
        config_defaults = RelayConfig(
            ffmpeg=settings.ffmpeg,
            lease_seconds=settings.relay_lease_seconds,
            ingest_rtmp_port=settings.ingest_rtmp_port,
            give_up_seconds=settings.relay_give_up_seconds,
            program_format=ProgramFormat(
                width=int(width),
                height=int(height),
                fps=settings.relay_fps,
                video_kbps=settings.relay_video_kbps,
            ),
        )
        config = dataclasses.replace(config_defaults, **overrides)
        store = self.media_store
        media_path = store.local_path if isinstance(store, LocalMediaStore) else lambda _id: None
        return RelayWorker(
            partial(UnitOfWork, make_session_factory(self.engine)),
            self.outbound,
            media_path,
            config,
            self.stream_keys,
            worker_id=worker_id,
        )

    def rtmp_ingest(self) -> RtmpIngest | None:
        """The embedded RTMP ingest (nginx-rtmp) to run next to a relay worker, or None when it
        is turned off or nginx and its RTMP module are not installed (then stream-status says
        that `rtmp` ingest is unavailable)."""
        from server.streaming.ingest import RtmpIngest, find_nginx

        settings = self.settings
        nginx = find_nginx(settings.nginx) if settings.rtmp_ingest else None
        if nginx is None:
            return None
        return RtmpIngest(
            partial(UnitOfWork, make_session_factory(self.engine)),
            nginx,
            settings.ingest_rtmp_port,
        )

    @classmethod
    def build(
        cls,
        settings: Settings,
        *,
        resolver: Resolver = system_resolver,
        stream_engine: StreamEngine | None = None,
        chat_adapter: ChatAdapter | None = None,
        sqlite_synchronous: str = "FULL",
    ) -> Services:
        """`sqlite_synchronous`: a benchmark lever (bench/variant_app.py), see make_engine."""
        engine = make_engine(
            settings.database_url,
            settings.database_timeout_seconds,
            settings.statement_timeout_seconds,
            sqlite_synchronous=sqlite_synchronous,
        )
        unit_of_work = partial(UnitOfWork, make_session_factory(engine))
        if stream_engine is None:
            relay = settings.stream_engine == "relay"
            stream_engine = RelayEngine() if relay else BookkeepingEngine()
        stream_keys = StreamKeyVault(secret_keyring(settings))
        stream = StreamService(
            unit_of_work,
            stream_engine,
            stream_keys,
            unowned_after=timedelta(seconds=2 * settings.relay_lease_seconds),
            reads=StreamStatusReads(engine),
        )
        outbound = OutboundGuard(
            resolver,
            settings.outbound_allowed_networks,
            lookup_timeout_seconds=settings.dns_timeout_seconds,
        )
        chat_adapter = chat_adapter or LocalRecordingAdapter(engine)
        signer = UploadSigner.derived_from(settings.key_hash_secret)
        store = media_store(settings, signer)
        api_keys = ApiKeyService(
            unit_of_work,
            settings.key_hash_secret,
            timedelta(seconds=settings.last_used_resolution_seconds),
            AuthCache(settings.auth_cache_seconds),
        )
        oauth = OAuthService(
            unit_of_work, settings.key_hash_secret, AuthCache(settings.auth_cache_seconds)
        )

        def access_changed(user_id: str) -> None:
            api_keys.forget_user(user_id)
            oauth.forget_user(user_id)

        webhook_secrets = SecretBox.derived_from(settings.key_hash_secret)
        return cls(
            settings=settings,
            engine=engine,
            stream_engine=stream_engine,
            accounts=AccountService(unit_of_work),
            api_keys=api_keys,
            studios=StudioService(unit_of_work, StudioReads(engine)),
            sources=SourceService(unit_of_work, settings.ingest_host, settings.ingest_rtmp_port),
            destinations=DestinationService(
                unit_of_work, IngestUrlPolicy(outbound), stream, stream_keys
            ),
            stream=stream,
            connections=ConnectionService(unit_of_work),
            chat=ChatService(unit_of_work, chat_adapter),
            chat_adapter=chat_adapter,
            media=MediaService(
                unit_of_work,
                store,
                max_bytes=settings.media_max_bytes,
                upload_ttl=timedelta(seconds=settings.media_upload_ttl_seconds),
                signer=signer,
            ),
            outbound=outbound,
            users=UserService(
                unit_of_work,
                Argon2idHasher(),
                session_lifetime=timedelta(seconds=settings.session_lifetime_seconds),
                on_access_changed=access_changed,
            ),
            events=EventService(unit_of_work),
            webhooks=WebhookService(unit_of_work, outbound, webhook_secrets),
            idempotency=IdempotencyService(unit_of_work),
            webhook_secrets=webhook_secrets,
            stream_keys=stream_keys,
            unit_of_work=unit_of_work,
            media_store=store,
            rate_limiter=build_rate_limiter(
                settings.rate_limit_burst,
                settings.rate_limit_per_second,
                settings.redis_url,
                settings.redis_prefix,
            ),
            oauth=oauth,
        )


def secret_keyring(settings: Settings) -> SecretKeyring:
    return SecretKeyring.from_setting(settings.secret_keys, settings.key_hash_secret)


def media_store(settings: Settings, signer: UploadSigner) -> MediaStore:
    if settings.media_backend == "s3":
        return S3MediaStore.from_settings(
            bucket=settings.s3_bucket or "",  # Settings refuses s3 without a bucket
            endpoint_url=settings.s3_endpoint_url,
            region=settings.s3_region,
            access_key_id=settings.s3_access_key_id,
            secret_access_key=settings.s3_secret_access_key,
            key_prefix=settings.s3_key_prefix,
        )
    return LocalMediaStore(settings.media_dir, signer, settings.public_base_url)

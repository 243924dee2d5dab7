"""The media library: registering uploads, the embedded store's upload URL, the S3 store, and the
status every read reports."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import boto3
import httpx
import pytest
from sqlalchemy import update

from server.app import create_app
from server.config import MEDIA_SIZE_LIMIT
from server.services.container import Services
from server.storage.media_store import UploadSigner
from server.storage.models import MediaAsset
from tests.conftest import S3_BUCKET, TEST_KEY_HASH_SECRET
from tests.support.client import ApiClient

VIDEO = {"filename": "intro.mp4", "contentType": "video/mp4", "size": 11}
PAYLOAD = b"hello world"  # 11 bytes


def create(api, **fields) -> dict:
    response = api.post("/v1/media", json={**VIDEO, **fields})
    assert response.status_code == 201, response.text
    return response.json()


def local_target(created: dict) -> str:
    """The upload URL as a path + query for the in-process client."""
    url = urlsplit(created["upload"]["url"])
    return f"{url.path}?{url.query}"


def upload(api, created: dict, body: bytes = PAYLOAD, **header_overrides) -> httpx.Response:
    headers = {**created["upload"]["headers"], **header_overrides}
    headers = {k: v for k, v in headers.items() if v is not None}
    return api.request(
        created["upload"]["method"], local_target(created), content=body, headers=headers
    )


def error_code(response: httpx.Response) -> str:
    return response.json()["error"]["code"]


def expire(services, media_id: str, at: datetime | None = None) -> datetime:
    """Moves an asset's upload expiry into the past, as if its URL's lifetime had passed."""
    at = at or datetime.now(UTC).replace(microsecond=0) - timedelta(seconds=5)
    with services.engine.begin() as connection:
        connection.execute(
            update(MediaAsset).where(MediaAsset.id == media_id).values(upload_expires_at=at)
        )
    return at


def stored_files(media_dir) -> list[str]:
    return sorted(p.name for p in media_dir.rglob("*") if p.is_file())


class TestCreate:
    def test_returns_a_pending_asset_and_a_presigned_put(self, api):
        response = api.post("/v1/media", json=VIDEO)
        assert response.status_code == 201
        asset = response.json()
        assert asset["id"].startswith("media_")
        assert response.headers["location"] == f"/v1/media/{asset['id']}"
        assert {k: asset[k] for k in VIDEO} == VIDEO
        assert asset["status"] == "pending_upload"
        assert asset["readyAt"] is None and asset["failureReason"] is None
        assert asset["createdAt"] == asset["updatedAt"]
        upload = asset["upload"]
        assert upload["method"] == "PUT"
        assert upload["headers"] == {"Content-Type": "video/mp4", "Content-Length": "11"}
        assert upload["expiresAt"] == asset["uploadExpiresAt"]
        created = datetime.fromisoformat(asset["createdAt"])
        expires = datetime.fromisoformat(upload["expiresAt"])
        assert timedelta(minutes=59) < expires - created <= timedelta(hours=1)
        url = urlsplit(upload["url"])
        assert (url.scheme, url.netloc, url.path) == (
            "http",
            "testserver",
            f"/uploads/{asset['id']}",
        )
        query = parse_qs(url.query)
        assert int(query["expires"][0]) == int(expires.timestamp())
        assert query["signature"][0]
        # The upload URL is not repeated on reads.
        read = api.get(f"/v1/media/{asset['id']}").json()
        assert read == {k: v for k, v in asset.items() if k != "upload"}

    @pytest.mark.parametrize(
        "fields",
        [
            {"filename": ""},
            {"filename": "   "},
            {"filename": "x" * 256},
            {"filename": "clips/intro.mp4"},
            {"filename": "..\\intro.mp4"},
            {"filename": "intro\n.mp4"},
            {"filename": "intro\x7f.mp4"},
            {"filename": "intro\u0085.mp4"},
            {"contentType": "text/plain"},
            {"contentType": "VIDEO/MP4"},
            {"contentType": "application/octet-stream"},
            {"size": 0},
            {"size": -1},
            {"size": MEDIA_SIZE_LIMIT + 1},
            {"size": "11"},
            {"size": 1.5},
            {"extra": True},
        ],
    )
    def test_rejects_invalid_fields(self, api, fields):
        response = api.post("/v1/media", json={**VIDEO, **fields})
        assert (response.status_code, error_code(response)) == (400, "invalid_request")
        assert api.get("/v1/media").json()["data"] == []

    @pytest.mark.parametrize("missing", ["filename", "contentType", "size"])
    def test_every_field_is_required(self, api, missing):
        body = {k: v for k, v in VIDEO.items() if k != missing}
        assert api.post("/v1/media", json=body).status_code == 400

    def test_accepts_the_bounds(self, api):
        for content_type in ("audio/mpeg", "image/png", "video/webm"):
            create(api, contentType=content_type)
        assert create(api, filename="é" * 255)["filename"] == "é" * 255
        assert create(api, size=MEDIA_SIZE_LIMIT)["size"] == MEDIA_SIZE_LIMIT
        assert create(api, size=1)["size"] == 1

    def test_a_lower_configured_maximum_is_enforced(self, settings, tenant, services):
        small = replace(settings, media_max_bytes=1000)
        small_services = Services.build(small)
        try:
            api = ApiClient(create_app(small, small_services), tenant.secret)
            assert create(api, size=1000)["size"] == 1000
            response = api.post("/v1/media", json={**VIDEO, "size": 1001})
            assert (response.status_code, error_code(response)) == (400, "invalid_request")
            assert "at most 1000" in response.json()["error"]["message"]
        finally:
            small_services.close()

    def test_a_configured_public_base_url_is_used(self, settings, tenant, services):
        public = replace(settings, public_base_url="https://api.example.com/")
        public_services = Services.build(public)
        try:
            api = ApiClient(create_app(public, public_services), tenant.secret)
            url = create(api)["upload"]["url"]
            assert url.startswith("https://api.example.com/uploads/media_")
        finally:
            public_services.close()

    def test_a_strange_host_header_does_not_reach_the_url(self, api):
        response = api.post("/v1/media", json=VIDEO, headers={"Host": "evil.com/x?"})
        assert response.status_code == 201
        assert "evil" not in response.json()["upload"]["url"]


class TestLocalUpload:
    def test_upload_makes_the_asset_ready(self, api, media_dir):
        created = create(api)
        response = upload(api, created)
        assert response.status_code == 204, response.text
        assert response.content == b""
        assert response.headers["x-request-id"]
        asset = api.get(f"/v1/media/{created['id']}").json()
        assert asset["status"] == "ready"
        assert asset["readyAt"] is not None and asset["updatedAt"] == asset["readyAt"]
        assert (media_dir / created["id"]).read_bytes() == PAYLOAD
        assert not list((media_dir / ".incoming").iterdir())

    def test_a_body_far_over_the_json_limit_streams_through(self, api, settings, media_dir):
        size = settings.max_body_bytes * 5 + 3
        created = create(api, size=size)

        def chunks():
            for _ in range(5):
                yield b"a" * settings.max_body_bytes
            yield b"bcd"

        response = upload(api, created, body=chunks())
        assert response.status_code == 204, response.text
        assert (media_dir / created["id"]).stat().st_size == size
        assert api.get(f"/v1/media/{created['id']}").json()["status"] == "ready"

    def test_the_json_limit_still_holds_for_v1(self, api, settings):
        body = {**VIDEO, "filename": "x" * settings.max_body_bytes}
        assert api.post("/v1/media", json=body).status_code == 413

    @pytest.mark.parametrize(
        ("body", "headers", "status", "code"),
        [
            (PAYLOAD, {"Content-Type": "image/png"}, 415, "unsupported_media_type"),
            (PAYLOAD, {"Content-Type": None}, 415, "unsupported_media_type"),
            (PAYLOAD + b"!", {"Content-Length": "12"}, 400, "invalid_request"),
            (PAYLOAD[:-1], {"Content-Length": "10"}, 400, "invalid_request"),
        ],
        ids=["wrong-type", "no-type", "too-long", "too-short"],
    )
    def test_a_mismatching_upload_is_refused_and_stores_nothing(
        self, api, media_dir, body, headers, status, code
    ):
        created = create(api)
        response = upload(api, created, body=body, **headers)
        assert (response.status_code, error_code(response)) == (status, code)
        assert stored_files(media_dir) == []
        assert api.get(f"/v1/media/{created['id']}").json()["status"] == "pending_upload"
        # Refusals leave the URL usable until it expires.
        assert upload(api, created).status_code == 204

    def test_a_body_running_past_its_content_length_is_cut_off(self, api, media_dir):
        created = create(api)

        def overflowing():
            yield PAYLOAD
            yield b"and then some more"

        response = upload(api, created, body=overflowing())
        assert (response.status_code, error_code(response)) == (413, "payload_too_large")
        assert stored_files(media_dir) == []
        assert api.get(f"/v1/media/{created['id']}").json()["status"] == "pending_upload"

    def test_a_body_shorter_than_its_content_length_is_refused(self, api, media_dir):
        created = create(api)

        def short():
            yield PAYLOAD[:5]

        response = upload(api, created, body=short())
        assert (response.status_code, error_code(response)) == (400, "invalid_request")
        assert stored_files(media_dir) == []

    def test_a_chunked_upload_without_content_length_is_refused(self, api, media_dir):
        created = create(api)

        def chunks():
            yield PAYLOAD

        response = api.put(
            local_target(created), content=chunks(), headers={"Content-Type": "video/mp4"}
        )
        assert (response.status_code, error_code(response)) == (400, "invalid_request")
        assert stored_files(media_dir) == []

    @pytest.mark.parametrize(
        "tamper",
        [
            # Another first character (a signature that starts with "A" is not changed by "A").
            lambda q: {
                **q,
                "signature": ("B" if q["signature"][0] == "A" else "A") + q["signature"][1:],
            },
            lambda q: {**q, "expires": str(int(q["expires"]) + 3600)},
            lambda q: {"expires": q["expires"]},
            lambda q: {"signature": q["signature"]},
            lambda q: {**q, "expires": "soon"},
            lambda q: {**q, "expires": "\u00b2"},
            lambda q: {**q, "expires": "9" * 40},
            lambda q: {},
        ],
        ids=[
            "signature",
            "expires",
            "no-signature",
            "no-expires",
            "bad-expires",
            "superscript-expires",
            "huge-expires",
            "no-query",
        ],
    )
    def test_a_tampered_url_is_refused(self, api, media_dir, tamper):
        created = create(api)
        path, query = local_target(created).split("?")
        fields = {k: v[0] for k, v in parse_qs(query).items()}
        response = api.put(
            path, params=tamper(fields), content=PAYLOAD, headers=created["upload"]["headers"]
        )
        assert (response.status_code, error_code(response)) == (403, "upload_url_invalid")
        assert stored_files(media_dir) == []

    def test_one_assets_url_does_not_upload_another(self, api, media_dir):
        first, second = create(api), create(api)
        query = urlsplit(first["upload"]["url"]).query
        response = api.put(
            f"/uploads/{second['id']}?{query}", content=PAYLOAD, headers=VIDEO_HEADERS
        )
        assert (response.status_code, error_code(response)) == (403, "upload_url_invalid")
        assert stored_files(media_dir) == []

    def test_an_unknown_asset_is_an_invalid_url(self, api):
        path = "/uploads/media_01JDQ3B4C5D6E7F8G9H0J1K2M3?expires=9999999999&signature=abc"
        response = api.put(path, content=PAYLOAD, headers=VIDEO_HEADERS)
        assert (response.status_code, error_code(response)) == (403, "upload_url_invalid")

    def test_an_expired_url_is_refused_and_the_asset_expires(self, api, services, media_dir):
        created = create(api)
        expired_at = expire(services, created["id"])
        expires = int(expired_at.timestamp())
        signature = UploadSigner.derived_from(TEST_KEY_HASH_SECRET).sign(
            created["id"], "video/mp4", 11, expires
        )
        response = api.put(
            f"/uploads/{created['id']}",
            params={"expires": expires, "signature": signature},
            content=PAYLOAD,
            headers=VIDEO_HEADERS,
        )
        assert (response.status_code, error_code(response)) == (403, "upload_url_expired")
        assert stored_files(media_dir) == []
        asset = api.get(f"/v1/media/{created['id']}").json()
        assert asset["status"] == "expired" and asset["readyAt"] is None

    def test_a_settled_asset_takes_no_second_upload(self, api, media_dir):
        created = create(api)
        assert upload(api, created).status_code == 204
        response = upload(api, created, body=b"HELLO WORLD")
        assert (response.status_code, error_code(response)) == (409, "upload_not_pending")
        assert (media_dir / created["id"]).read_bytes() == PAYLOAD

    def test_uploads_honour_the_write_flag(self, api, read_only_app, media_dir):
        created = create(api)
        response = upload(ApiClient(read_only_app), created)
        assert (response.status_code, error_code(response)) == (503, "write_disabled")
        assert stored_files(media_dir) == []

    def test_the_url_needs_no_api_key_and_ignores_one(self, anonymous, api):
        created = create(api)
        assert upload(anonymous, created).status_code == 204

    @pytest.mark.parametrize("method", ["GET", "POST", "DELETE", "PATCH"])
    def test_only_put_is_allowed(self, api, method):
        created = create(api)
        response = api.request(method, local_target(created))
        assert (response.status_code, error_code(response)) == (405, "method_not_allowed")
        assert response.headers["allow"] == "PUT"

    @pytest.mark.parametrize("path", ["/uploads/", "/uploads/a/b", "/uploads/x%0Ay"])
    def test_paths_that_name_no_asset(self, api, path):
        response = api.put(path, content=PAYLOAD, headers=VIDEO_HEADERS)
        assert (response.status_code, error_code(response)) == (404, "not_found")

    def test_the_request_id_is_echoed_on_upload_errors(self, api):
        created = create(api)
        response = upload(api, created, **{"Content-Type": "image/png", "X-Request-Id": "trace-7"})
        assert response.headers["x-request-id"] == "trace-7"
        assert response.json()["error"]["requestId"] == "trace-7"


VIDEO_HEADERS = {"Content-Type": "video/mp4", "Content-Length": "11"}


class TestReads:
    def test_unknown_and_other_accounts_media_are_not_found(self, app, api, make_tenant):
        mine = create(api)
        bob = ApiClient(app, make_tenant("Bob").secret)
        theirs = create(bob)
        for media_id in (theirs["id"], "media_01JDQ3B4C5D6E7F8G9H0J1K2M3", "nope"):
            response = api.get(f"/v1/media/{media_id}")
            assert (response.status_code, error_code(response)) == (404, "not_found")
        assert [m["id"] for m in api.get("/v1/media").json()["data"]] == [mine["id"]]
        assert [m["id"] for m in bob.get("/v1/media").json()["data"]] == [theirs["id"]]

    def test_list_pages_in_creation_order(self, api):
        created = [create(api, filename=f"clip-{i}.mp4") for i in range(5)]
        seen, cursor = [], None
        while True:
            params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
            page = api.get("/v1/media", params=params).json()
            assert len(page["data"]) <= 2
            seen += [m["id"] for m in page["data"]]
            cursor = page.get("nextCursor")
            if not cursor:
                break
        assert seen == [m["id"] for m in created]

    def test_a_studio_cursor_is_refused(self, api):
        studio = api.post("/v1/studios", json={"name": "s"}).json()
        from server.domain.pagination import encode_cursor

        response = api.get("/v1/media", params={"cursor": encode_cursor(studio["id"])})
        assert response.status_code == 400

    def test_an_unused_upload_expires_on_read_and_in_lists(self, api, services):
        kept, lapsed = create(api), create(api)
        expire(services, lapsed["id"])
        listed = {m["id"]: m for m in api.get("/v1/media").json()["data"]}
        assert listed[kept["id"]]["status"] == "pending_upload"
        assert listed[lapsed["id"]]["status"] == "expired"
        assert listed[lapsed["id"]]["updatedAt"] > lapsed["updatedAt"]
        assert api.get(f"/v1/media/{lapsed['id']}").json() == listed[lapsed["id"]]

    def test_scopes(self, app, make_tenant):
        reader = ApiClient(app, make_tenant("R", scopes=("media:read",)).secret)
        assert reader.get("/v1/media").status_code == 200
        response = reader.post("/v1/media", json=VIDEO)
        assert (response.status_code, response.json()["error"]["requiredScope"]) == (
            403,
            "media:write",
        )
        studios_only = ApiClient(app, make_tenant("S", scopes=("studios:read",)).secret)
        assert studios_only.get("/v1/media").status_code == 403
        assert studios_only.get("/v1/media/media_01JDQ3B4C5D6E7F8G9H0J1K2M3").status_code == 403

    def test_create_honours_the_write_flag(self, read_only_app, tenant, api):
        response = ApiClient(read_only_app, tenant.secret).post("/v1/media", json=VIDEO)
        assert (response.status_code, error_code(response)) == (503, "write_disabled")
        assert api.get("/v1/media").json()["data"] == []


@pytest.fixture
def s3_api(s3_app, tenant) -> ApiClient:
    return ApiClient(s3_app, tenant.secret)


@pytest.fixture
def s3_client(s3_endpoint):
    return boto3.session.Session().client(
        "s3",
        endpoint_url=s3_endpoint,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


def s3_keys(s3_client) -> list[str]:
    return [o["Key"] for o in s3_client.list_objects_v2(Bucket=S3_BUCKET).get("Contents", [])]


class TestS3Store:
    def test_presigned_url_binds_type_and_length(self, s3_api, s3_endpoint):
        created = create(s3_api)
        url = urlsplit(created["upload"]["url"])
        assert f"{url.scheme}://{url.netloc}" == s3_endpoint
        assert url.path == f"/{S3_BUCKET}/media/{created['id']}"
        query = parse_qs(url.query)
        assert query["X-Amz-SignedHeaders"] == ["content-length;content-type;host"]
        assert int(query["X-Amz-Expires"][0]) <= 3600
        assert created["upload"]["headers"] == VIDEO_HEADERS
        assert created["upload"]["method"] == "PUT"

    def test_an_upload_through_the_url_makes_the_asset_ready_on_read(self, s3_api, s3_client):
        created = create(s3_api)
        assert s3_api.get(f"/v1/media/{created['id']}").json()["status"] == "pending_upload"
        put = httpx.put(
            created["upload"]["url"], content=PAYLOAD, headers=created["upload"]["headers"]
        )
        assert put.status_code == 200, put.text
        asset = s3_api.get(f"/v1/media/{created['id']}").json()
        assert asset["status"] == "ready" and asset["readyAt"] is not None
        assert s3_api.get("/v1/media").json()["data"] == [asset]
        body = s3_client.get_object(Bucket=S3_BUCKET, Key=f"media/{created['id']}")["Body"]
        assert body.read() == PAYLOAD

    @pytest.mark.parametrize(
        ("body", "content_type", "reason"),
        [
            (PAYLOAD + b"!", "video/mp4", "size_mismatch"),
            (PAYLOAD, "image/png", "content_type_mismatch"),
        ],
    )
    def test_a_mismatching_object_fails_the_asset(
        self, s3_api, s3_client, body, content_type, reason
    ):
        # Real S3 refuses these at the URL (the signature binds both headers); the object store
        # the tests run does not check signatures, and the API's own check must catch them.
        created = create(s3_api)
        key = f"media/{created['id']}"
        s3_client.put_object(Bucket=S3_BUCKET, Key=key, Body=body, ContentType=content_type)
        listed = s3_api.get("/v1/media").json()["data"]
        assert [(m["status"], m["failureReason"]) for m in listed] == [("failed", reason)]
        assert s3_api.get(f"/v1/media/{created['id']}").json()["status"] == "failed"
        assert key not in s3_keys(s3_client)

    def test_no_upload_by_the_expiry_means_expired(self, s3_api, s3_services):
        created = create(s3_api)
        expire(s3_services, created["id"])
        assert s3_api.get(f"/v1/media/{created['id']}").json()["status"] == "expired"

    def test_an_upload_completed_after_the_expiry_does_not_count(
        self, s3_api, s3_services, s3_client
    ):
        created = create(s3_api)
        key = f"media/{created['id']}"
        s3_client.put_object(Bucket=S3_BUCKET, Key=key, Body=PAYLOAD, ContentType="video/mp4")
        expire(s3_services, created["id"], datetime.now(UTC) - timedelta(minutes=5))
        assert s3_api.get(f"/v1/media/{created['id']}").json()["status"] == "expired"
        assert key not in s3_keys(s3_client)

    def test_settled_assets_stay_settled(self, s3_api, s3_client):
        created = create(s3_api)
        key = f"media/{created['id']}"
        s3_client.put_object(Bucket=S3_BUCKET, Key=key, Body=PAYLOAD, ContentType="video/mp4")
        ready = s3_api.get(f"/v1/media/{created['id']}").json()
        s3_client.delete_object(Bucket=S3_BUCKET, Key=key)
        assert s3_api.get(f"/v1/media/{created['id']}").json() == ready

    def test_the_embedded_upload_route_is_not_served(self, s3_api):
        created = create(s3_api)
        response = s3_api.put(f"/uploads/{created['id']}", content=PAYLOAD, headers=VIDEO_HEADERS)
        assert (response.status_code, error_code(response)) == (404, "not_found")

    def test_an_unreachable_store_is_503_not_a_guess(self, s3_settings, services, tenant):
        down = replace(s3_settings, s3_endpoint_url="http://127.0.0.1:9")
        down_services = Services.build(down)
        try:
            api = ApiClient(create_app(down, down_services), tenant.secret)
            created = create(api)  # presigning needs no network
            for response in (api.get(f"/v1/media/{created['id']}"), api.get("/v1/media")):
                assert (response.status_code, error_code(response)) == (
                    503,
                    "service_unavailable",
                )
        finally:
            down_services.close()

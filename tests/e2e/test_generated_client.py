"""generated_client/ is the output of `make client`, is current, and works against the server."""

from __future__ import annotations

import filecmp
import os
import subprocess
import sys
from pathlib import Path

import httpx
from trax_api_client import AuthenticatedClient, Client
from trax_api_client.api.media import create_media, get_media, list_media
from trax_api_client.api.meta import get_health
from trax_api_client.api.studios import create_studio, get_studio, list_studios, update_studio
from trax_api_client.models import (
    CreatedMediaAsset,
    CreateMediaRequest,
    CreateStudioRequest,
    Error,
    MediaAsset,
    MediaAssetList,
    MediaContentType,
    Studio,
    StudioList,
    UpdateStudioRequest,
)
from trax_api_client.types import UNSET

ROOT = Path(__file__).resolve().parents[2]
IGNORED = {".ruff_cache", "__pycache__", "build"}
MISSING_STUDIO = "studio_01JDQ2Z8M6Q1W3E5R7T9Y1V3K5"


def generate(into: Path) -> Path:
    output = into / "generated_client"
    env = dict(os.environ, PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}")
    subprocess.run(
        [
            Path(sys.executable).parent / "openapi-python-client",
            "generate",
            "--path", "openapi/openapi.yaml",
            "--config", "openapi/client-config.yaml",
            "--output-path", str(output),
            "--meta", "setup",
            "--overwrite",
            "--fail-on-warning",
        ],
        cwd=ROOT, env=env, check=True, capture_output=True,
    )  # fmt: skip
    return output


def differences(left: Path, right: Path) -> list[str]:
    comparison = filecmp.dircmp(left, right, ignore=list(IGNORED))
    found = []

    def walk(cmp: filecmp.dircmp, prefix: str) -> None:
        found.extend(f"{prefix}{name} (only in committed)" for name in cmp.left_only)
        found.extend(f"{prefix}{name} (only in regenerated)" for name in cmp.right_only)
        _, mismatch, errors = filecmp.cmpfiles(cmp.left, cmp.right, cmp.common_files, shallow=False)
        found.extend(f"{prefix}{name} (differs)" for name in mismatch + errors)
        for name, sub in cmp.subdirs.items():
            if not name.endswith(".egg-info"):
                walk(sub, f"{prefix}{name}/")

    walk(comparison, "")
    return found


def test_committed_client_is_current(tmp_path):
    stale = differences(ROOT / "generated_client", generate(tmp_path))
    assert not stale, f"generated_client/ is stale; run `make client`: {stale}"


def test_end_to_end_through_the_generated_client(live_server, tenant):
    with Client(base_url=live_server) as anonymous:
        assert get_health.sync(client=anonymous).status == "ok"
    with AuthenticatedClient(base_url=live_server, token=tenant.secret, timeout=10) as client:
        walk_the_studio_lifecycle(client)


def walk_the_studio_lifecycle(client: AuthenticatedClient) -> None:
    created = [
        create_studio.sync(client=client, body=CreateStudioRequest(name=f"Show {i}"))
        for i in range(5)
    ]
    assert all(isinstance(s, Studio) for s in created)
    detailed = create_studio.sync_detailed(client=client, body=CreateStudioRequest(name="Sixth"))
    assert detailed.status_code == 201
    assert detailed.headers["location"] == f"/v1/studios/{detailed.parsed.id}"
    created.append(detailed.parsed)

    seen, cursor = [], UNSET
    while True:
        page = list_studios.sync(client=client, limit=2, cursor=cursor)
        assert isinstance(page, StudioList)
        seen += [s.id for s in page.data]
        if not page.next_cursor:
            break
        cursor = page.next_cursor
    assert seen == [s.id for s in created]

    fetched = get_studio.sync(client=client, studio_id=created[0].id)
    assert fetched == created[0]

    updated = update_studio.sync(
        client=client, studio_id=created[0].id, body=UpdateStudioRequest(auto_go_live=True)
    )
    assert updated.auto_go_live is True and updated.name == "Show 0"

    missing = get_studio.sync_detailed(client=client, studio_id=MISSING_STUDIO)
    assert missing.status_code == 404
    assert isinstance(missing.parsed, Error)
    assert missing.parsed.error.code == "not_found"
    assert missing.parsed.error.request_id == missing.headers["x-request-id"]


def test_the_x_api_key_header_works_through_the_client(live_server, tenant):
    with AuthenticatedClient(
        base_url=live_server, token=tenant.secret, prefix="", auth_header_name="X-API-Key"
    ) as client:
        assert list_studios.sync_detailed(client=client).status_code == 200
    with AuthenticatedClient(base_url=live_server, token="sk_live_nope") as bad:
        response = list_studios.sync_detailed(client=bad)
    assert response.status_code == 401 and response.parsed.error.code == "invalid_key"


def test_client_tolerates_new_fields_and_new_enum_values(live_server, tenant):
    """Within /v1 the server may add fields and extensible-enum values (openapi/README.md):
    a client generated today must parse such responses without error."""
    raw = httpx.post(
        f"{live_server}/studios",
        json={"name": "Future"},
        headers={"Authorization": f"Bearer {tenant.secret}"},
    ).json()
    future = dict(raw, streamState="paused_for_ads", viewerCount=12)
    studio = Studio.from_dict(future)
    assert studio.stream_state == "paused_for_ads"
    assert studio.additional_properties == {"viewerCount": 12}

    error = Error.from_dict(
        {"error": {"code": "quota_exceeded", "message": "m", "requestId": "req_1", "x": 1}}
    )
    assert error.error.code == "quota_exceeded"


def test_going_live_end_to_end_through_the_generated_client(live_server, tenant):
    from trax_api_client.api.destinations import create_destination, update_destination
    from trax_api_client.api.sources import create_source
    from trax_api_client.api.stream import get_stream_status, go_live, go_offline
    from trax_api_client.models import (
        CreateDestinationRequest,
        CreateSourceRequest,
        DestinationPlatform,
        SourceKind,
        StreamStatus,
        UpdateDestinationRequest,
    )

    with AuthenticatedClient(base_url=live_server, token=tenant.secret, timeout=10) as client:
        studio = create_studio.sync(client=client, body=CreateStudioRequest(name="Launch"))
        source = create_source.sync(
            client=client,
            studio_id=studio.id,
            body=CreateSourceRequest(kind=SourceKind.RTMP, name="Camera"),
        )
        assert source.ingest.endpoints[0].url.startswith("rtmp://")
        youtube, twitch = (
            create_destination.sync(
                client=client,
                studio_id=studio.id,
                body=CreateDestinationRequest(
                    platform=platform, name=platform.value, stream_key=f"{platform.value}-key-1234"
                ),
            )
            for platform in (DestinationPlatform.YOUTUBE, DestinationPlatform.TWITCH)
        )
        assert youtube.stream_key_set and youtube.stream_key_last_4 == "1234"

        live = go_live.sync(client=client, studio_id=studio.id)
        assert isinstance(live, StreamStatus) and live.state == "live"
        status = get_stream_status.sync(client=client, studio_id=studio.id)
        assert {d.destination_id: d.status for d in status.destinations} == {
            youtube.id: "live",
            twitch.id: "live",
        }
        assert status.health.bitrate_kbps is None

        update_destination.sync(
            client=client,
            studio_id=studio.id,
            destination_id=twitch.id,
            body=UpdateDestinationRequest(enabled=False),
        )
        status = get_stream_status.sync(client=client, studio_id=studio.id)
        assert {d.destination_id: d.status for d in status.destinations}[twitch.id] == "disabled"

        offline = go_offline.sync(client=client, studio_id=studio.id)
        assert offline.state == "offline" and offline.started_at is None

        refused = go_live.sync_detailed(
            client=client, studio_id="studio_01JDQ2Z8M6Q1W3E5R7T9Y1V3K5"
        )
        assert refused.status_code == 404 and refused.parsed.error.code == "not_found"


def test_connections_and_chat_end_to_end_through_the_generated_client(
    live_server, tenant, services
):
    from trax_api_client.api.chat import list_chat_messages, send_chat_message
    from trax_api_client.api.connections import delete_connection, list_connections
    from trax_api_client.api.destinations import create_destination
    from trax_api_client.models import (
        CreateDestinationRequest,
        DestinationPlatform,
        SendChatMessageRequest,
    )

    linked = services.connections.link(tenant.account_id, "twitch", "alice_live")
    with AuthenticatedClient(base_url=live_server, token=tenant.secret, timeout=10) as client:
        assert [c.id for c in list_connections.sync(client=client).data] == [linked.id]
        studio = create_studio.sync(client=client, body=CreateStudioRequest(name="Chat show"))
        create_destination.sync(
            client=client,
            studio_id=studio.id,
            body=CreateDestinationRequest(
                platform=DestinationPlatform.TWITCH, name="Twitch", connection_id=linked.id
            ),
        )
        sent = send_chat_message.sync(
            client=client, studio_id=studio.id, body=SendChatMessageRequest(text="Hello chat")
        )
        assert [(d.platform, d.status) for d in sent.deliveries] == [("twitch", "sent")]
        page = list_chat_messages.sync(client=client, studio_id=studio.id)
        assert [m.id for m in page.data] == [sent.id]

        assert (
            delete_connection.sync_detailed(client=client, connection_id=linked.id).status_code
            == 204
        )
        assert list_connections.sync(client=client).data == []


def test_media_end_to_end_on_the_embedded_store(live_server, tenant, media_dir):
    with AuthenticatedClient(base_url=live_server, token=tenant.secret, timeout=10) as client:
        media_id = walk_the_media_lifecycle(client)
    # The presigned URL pointed back at the live server, which streamed the file to disk.
    assert (media_dir / media_id).stat().st_size == UPLOAD_SIZE


def test_media_end_to_end_on_an_s3_store(s3_live_server, s3_endpoint, tenant):
    with AuthenticatedClient(base_url=s3_live_server, token=tenant.secret, timeout=10) as client:
        created = create_media.sync(client=client, body=media_request("probe.png", 1))
        assert created.upload.url.startswith(f"{s3_endpoint}/")
        walk_the_media_lifecycle(client)


UPLOAD_SIZE = 300_000  # several chunks, and well over the 64 KiB JSON body limit


def media_request(filename: str, size: int) -> CreateMediaRequest:
    return CreateMediaRequest(filename=filename, content_type=MediaContentType.VIDEO_MP4, size=size)


def walk_the_media_lifecycle(client: AuthenticatedClient) -> str:
    """Registers an upload, sends a real file through the presigned URL exactly as a client
    would (no API key), and reads the outcome back; returns the uploaded asset's id."""
    payload = os.urandom(UPLOAD_SIZE)
    detailed = create_media.sync_detailed(
        client=client, body=media_request("Opening titles.mp4", len(payload))
    )
    assert detailed.status_code == 201
    created = detailed.parsed
    assert isinstance(created, CreatedMediaAsset)
    assert detailed.headers["location"] == f"/v1/media/{created.id}"
    assert created.status == "pending_upload" and created.ready_at is None
    assert created.upload.expires_at == created.upload_expires_at

    pending = get_media.sync(client=client, media_id=created.id)
    assert isinstance(pending, MediaAsset) and pending.status == "pending_upload"

    upload = created.upload
    sent = httpx.request(
        upload.method, upload.url, content=payload, headers=upload.headers.additional_properties
    )
    assert sent.is_success, sent.text

    ready = get_media.sync(client=client, media_id=created.id)
    assert ready.status == "ready" and ready.ready_at is not None
    assert (ready.size, ready.content_type) == (len(payload), "video/mp4")

    others = [
        create_media.sync(client=client, body=media_request(f"clip {i}.mp4", 10)) for i in range(3)
    ]
    seen, cursor = [], UNSET
    while True:
        page = list_media.sync(client=client, limit=2, cursor=cursor)
        assert isinstance(page, MediaAssetList)
        seen += [(m.id, m.status) for m in page.data]
        if not page.next_cursor:
            break
        cursor = page.next_cursor
    assert (created.id, "ready") in seen
    assert [m for m, _ in seen][-3:] == [o.id for o in others]

    missing = get_media.sync_detailed(client=client, media_id="media_01JDQ3B4C5D6E7F8G9H0J1K2M3")
    assert missing.status_code == 404 and missing.parsed.error.code == "not_found"
    return created.id

"""The cross-cutting contract (the rules of the spec's info.description: envelope, request ids,
compatibility) on the routes of the foundation."""

from __future__ import annotations

import logging
import re
from datetime import timedelta
from urllib.parse import urlsplit

import pytest

from server.domain.clock import utcnow
from tests.support.client import ApiClient

JSON = {"Content-Type": "application/json"}


def error_code(response) -> str:
    return response.json()["error"]["code"]


class TestRequestId:
    def test_generated_when_absent(self, anonymous):
        response = anonymous.get("/v1/health")
        assert re.fullmatch(r"req_[0-9a-f]{32}", response.headers["x-request-id"])

    def test_sane_client_id_is_echoed_and_equals_error_request_id(self, anonymous):
        response = anonymous.get("/v1/studios", headers={"X-Request-Id": "client-42.a:b"})
        assert response.headers["x-request-id"] == "client-42.a:b"
        assert response.json()["error"]["requestId"] == "client-42.a:b"

    @pytest.mark.parametrize("sent", ["has space", "x" * 129, "<script>", ""])
    def test_insane_client_id_is_replaced(self, anonymous, sent):
        response = anonymous.get("/v1/health", headers={"X-Request-Id": sent})
        assert re.fullmatch(r"req_[0-9a-f]{32}", response.headers["x-request-id"])

    def test_every_response_has_a_distinct_id(self, anonymous):
        ids = {anonymous.get("/v1/health").headers["x-request-id"] for _ in range(5)}
        assert len(ids) == 5


class TestCaching:
    def test_api_responses_are_never_stored(self, api, anonymous):
        studio = api.post("/v1/studios", json={"name": "s"})
        source = api.post(
            f"/v1/studios/{studio.json()['id']}/sources", json={"kind": "rtmp", "name": "c"}
        )
        media = api.post(
            "/v1/media", json={"filename": "a.mp4", "contentType": "video/mp4", "size": 1}
        )
        for response in (
            studio,
            source,
            media,
            anonymous.get("/v1/studios"),
            api.get("/v1/health"),
        ):
            assert response.headers["cache-control"] == "no-store"
        url = urlsplit(media.json()["upload"]["url"])
        upload = anonymous.put(f"{url.path}?{url.query}", content=b"x")  # refused: no type
        assert upload.status_code == 415
        assert upload.headers["cache-control"] == "no-store"


class TestExactPaths:
    @pytest.mark.parametrize("path", ["/v1/studios/", "/v1/health/", "/v1/media/"])
    def test_a_trailing_slash_is_a_404_not_a_redirect_to_the_callers_host(self, api, path):
        response = api.get(path, headers={"Host": "attacker.example"}, follow_redirects=False)
        assert response.status_code == 404
        assert error_code(response) == "not_found"
        assert "location" not in response.headers

    def test_swagger_ui_keeps_its_own_slash(self, anonymous):
        assert anonymous.get("/v1/ui/").status_code == 200


class TestAuthentication:
    def test_missing_key(self, anonymous):
        response = anonymous.get("/v1/studios")
        assert response.status_code == 401
        assert error_code(response) == "invalid_key"

    def test_unknown_key(self, anonymous):
        response = anonymous.get(
            "/v1/studios", headers={"Authorization": "Bearer sk_live_" + "A" * 40}
        )
        assert (response.status_code, error_code(response)) == (401, "invalid_key")

    @pytest.mark.parametrize(
        "headers",
        [
            {"Authorization": "Basic dXNlcjpwYXNz"},
            {"Authorization": "Bearer"},
            {"Authorization": "Bearer " + "x" * 5000},
            {"X-API-Key": "not-a-key"},
        ],
    )
    def test_malformed_credentials(self, anonymous, headers):
        response = anonymous.get("/v1/studios", headers=headers)
        assert (response.status_code, error_code(response)) == (401, "invalid_key")

    def test_bearer_and_x_api_key_are_both_accepted(self, anonymous, tenant):
        bearer = anonymous.get("/v1/studios", headers={"Authorization": f"Bearer {tenant.secret}"})
        api_key = anonymous.get("/v1/studios", headers={"X-API-Key": tenant.secret})
        assert bearer.status_code == api_key.status_code == 200

    def test_revoked_key(self, app, services, tenant):
        services.api_keys.revoke(tenant.key_id)
        response = ApiClient(app, tenant.secret).get("/v1/studios")
        assert (response.status_code, error_code(response)) == (401, "invalid_key")

    def test_expired_key(self, app, services, make_tenant):
        tenant = make_tenant("Expiring", expires_in_days=1)
        api = ApiClient(app, tenant.secret)
        assert api.get("/v1/studios").status_code == 200
        with services.engine.begin() as connection:
            from server.storage.models import ApiKey

            connection.execute(
                ApiKey.__table__.update().values(expires_at=utcnow() - timedelta(seconds=1))
            )
        response = api.get("/v1/studios")
        assert (response.status_code, error_code(response)) == (401, "invalid_key")

    def test_public_routes_need_no_key(self, anonymous):
        assert anonymous.get("/v1/health").status_code == 200
        assert anonymous.get("/v1/openapi.json").status_code == 200


class TestScopes:
    def test_missing_scope_names_the_scope(self, app, make_tenant):
        reader = ApiClient(app, make_tenant("Reader", scopes=("studios:read",)).secret)
        response = reader.post("/v1/studios", json={"name": "x"})
        assert response.status_code == 403
        assert response.json()["error"]["code"] == "insufficient_scope"
        assert response.json()["error"]["requiredScope"] == "studios:write"

    def test_read_scope_is_needed_to_read(self, app, make_tenant):
        writer = ApiClient(app, make_tenant("Writer", scopes=("studios:write",)).secret)
        response = writer.get("/v1/studios")
        assert response.json()["error"]["requiredScope"] == "studios:read"

    def test_order_is_401_then_403_then_400(self, app, anonymous, make_tenant):
        bad_body = {"content": b"{not json", "headers": JSON}
        assert anonymous.post("/v1/studios", **bad_body).status_code == 401
        reader = ApiClient(app, make_tenant("Reader", scopes=("studios:read",)).secret)
        assert reader.post("/v1/studios", **bad_body).status_code == 403
        writer = ApiClient(app, make_tenant("Writer", scopes=("studios:write",)).secret)
        assert writer.post("/v1/studios", **bad_body).status_code == 400


class TestWriteFlag:
    def test_health_reports_the_flag(self, app, read_only_app):
        assert ApiClient(app).get("/v1/health").json()["writeEnabled"] is True
        assert ApiClient(read_only_app).get("/v1/health").json()["writeEnabled"] is False

    def test_mutations_answer_503_and_change_nothing(self, app, read_only_app, tenant):
        writable, read_only = ApiClient(app, tenant.secret), ApiClient(read_only_app, tenant.secret)
        studio = writable.post("/v1/studios", json={"name": "Before"}).json()

        created = read_only.post("/v1/studios", json={"name": "Nope"})
        updated = read_only.patch(f"/v1/studios/{studio['id']}", json={"name": "After"})
        for response in (created, updated):
            assert (response.status_code, error_code(response)) == (503, "write_disabled")

        assert [s["name"] for s in read_only.get("/v1/studios").json()["data"]] == ["Before"]

    def test_reads_stay_on(self, read_only_app, tenant):
        assert ApiClient(read_only_app, tenant.secret).get("/v1/studios").status_code == 200

    def test_write_flag_comes_after_authentication(self, read_only_app):
        response = ApiClient(read_only_app).post("/v1/studios", json={"name": "x"})
        assert response.status_code == 401


class TestMalformedRequests:
    def test_schema_violation(self, api):
        response = api.post("/v1/studios", json={"name": ""})
        assert (response.status_code, error_code(response)) == (400, "invalid_request")
        assert "Failed validating" not in response.json()["error"]["message"]

    def test_unknown_body_field(self, api):
        response = api.post("/v1/studios", json={"name": "x", "colour": "red"})
        assert (response.status_code, error_code(response)) == (400, "invalid_request")

    def test_body_that_does_not_parse(self, api):
        response = api.post("/v1/studios", content=b'{"name": ', headers=JSON)
        assert (response.status_code, error_code(response)) == (400, "invalid_request")

    def test_body_that_is_not_utf8(self, api):
        response = api.post("/v1/studios", content=b'{"name": "\xff\xfe"}', headers=JSON)
        assert (response.status_code, error_code(response)) == (400, "invalid_request")

    def test_missing_body(self, api):
        response = api.post("/v1/studios", headers=JSON)
        assert (response.status_code, error_code(response)) == (400, "invalid_request")

    def test_wrong_content_type(self, api):
        response = api.post(
            "/v1/studios", content=b"name=x", headers={"Content-Type": "text/plain"}
        )
        assert (response.status_code, error_code(response)) == (415, "unsupported_media_type")

    def test_body_without_content_type(self, api):
        response = api.post("/v1/studios", content=b'{"name": "x"}')
        assert (response.status_code, error_code(response)) == (415, "unsupported_media_type")

    def test_body_over_the_limit(self, api, settings):
        body = b'{"name": "' + b"a" * settings.max_body_bytes + b'"}'
        response = api.post("/v1/studios", content=body, headers=JSON)
        assert (response.status_code, error_code(response)) == (413, "payload_too_large")

    def test_chunked_body_over_the_limit(self, api, settings):
        def chunks():
            for _ in range(settings.max_body_bytes // 1024 + 2):
                yield b"a" * 1024

        response = api.post("/v1/studios", content=chunks(), headers=JSON)
        assert (response.status_code, error_code(response)) == (413, "payload_too_large")

    def test_unknown_query_parameter(self, api):
        response = api.get("/v1/studios", params={"colour": "red"})
        assert (response.status_code, error_code(response)) == (400, "invalid_request")


class TestRouting:
    def test_unknown_route(self, api):
        response = api.get("/v1/nothing-here")
        assert (response.status_code, error_code(response)) == (404, "not_found")

    def test_unknown_route_outside_v1(self, anonymous):
        response = anonymous.get("/v2/studios")
        assert (response.status_code, error_code(response)) == (404, "not_found")

    def test_control_character_in_path(self, api):
        response = api.get("/v1/stu%0Adios")
        assert (response.status_code, error_code(response)) == (404, "not_found")

    @pytest.mark.parametrize(
        ("method", "path", "allow"),
        [
            ("DELETE", "/v1/studios", "GET, POST"),
            ("PUT", "/v1/studios/studio_x", "GET, PATCH"),
            ("POST", "/v1/health", "GET"),
        ],
    )
    def test_wrong_method_lists_allowed_methods(self, api, method, path, allow):
        response = api.request(method, path)
        assert (response.status_code, error_code(response)) == (405, "method_not_allowed")
        assert response.headers["allow"] == allow


class TestUnexpectedErrors:
    def test_500_is_the_envelope_without_internals_and_is_logged(
        self, api, services, monkeypatch, caplog
    ):
        def explode(*args, **kwargs):
            raise RuntimeError("database exploded: secret detail")

        monkeypatch.setattr(services.studios, "list", explode)
        with caplog.at_level(logging.ERROR, logger="trax.errors"):
            response = api.get("/v1/studios")
        assert (response.status_code, error_code(response)) == (500, "internal_error")
        assert "exploded" not in response.text and "Traceback" not in response.text
        request_id = response.headers["x-request-id"]
        assert any(request_id in r.getMessage() and r.exc_info for r in caplog.records)


class TestControlCharacters:
    """A control character in the path slips past connexion's router to Flask, which would call
    the handler with no authentication or validation: it must be a plain 404."""

    @pytest.mark.parametrize("method", ["GET", "PATCH"])
    def test_in_a_path_parameter(self, anonymous, method):
        response = anonymous.request(method, "/v1/studios/abc%0Adef", json={"name": "x"})
        assert (response.status_code, error_code(response)) == (404, "not_found")

    def test_with_a_valid_key_too(self, api):
        response = api.get("/v1/studios/%00")
        assert (response.status_code, error_code(response)) == (404, "not_found")


class TestNulCharacters:
    """No stored text can hold U+0000 (PostgreSQL refuses it): refused as invalid input."""

    def test_in_the_body(self, api):
        response = api.post("/v1/studios", json={"name": "a\x00b"})
        assert (response.status_code, error_code(response)) == (400, "invalid_request")

    def test_in_a_body_key(self, api):
        response = api.post("/v1/studios", json={"name": "a", "\x00": 1})
        assert (response.status_code, error_code(response)) == (400, "invalid_request")

    def test_in_the_query(self, api):
        response = api.get("/v1/studios?cursor=%00")
        assert (response.status_code, error_code(response)) == (400, "invalid_request")


class TestUnknownQueryParameters:
    """Every operation refuses parameters it does not declare, public ones included (a typo in
    a parameter name must not be silently ignored); the 400 is declared on each of them."""

    @pytest.mark.parametrize("path", ["/v1/health", "/v1/openapi.json"])
    def test_on_public_operations(self, anonymous, path):
        response = anonymous.get(path, params={"verbose": "1"})
        assert (response.status_code, error_code(response)) == (400, "invalid_request")

    def test_nul_in_a_public_query(self, anonymous):
        response = anonymous.get("/v1/health?x=%00")
        assert (response.status_code, error_code(response)) == (400, "invalid_request")

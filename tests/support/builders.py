"""Small builders shared by the resource tests."""

from __future__ import annotations


def create_studio(api, name: str = "Studio", **fields) -> dict:
    response = api.post("/v1/studios", json={"name": name, **fields})
    assert response.status_code == 201, response.text
    return response.json()


def create_source(api, studio_id: str, kind: str = "rtmp", name: str = "Camera", **fields) -> dict:
    response = api.post(
        f"/v1/studios/{studio_id}/sources", json={"kind": kind, "name": name, **fields}
    )
    assert response.status_code == 201, response.text
    return response.json()


def create_destination(api, studio_id: str, platform: str = "youtube", **fields) -> dict:
    body = {"platform": platform, "name": platform.title(), **fields}
    response = api.post(f"/v1/studios/{studio_id}/destinations", json=body)
    assert response.status_code == 201, response.text
    return response.json()

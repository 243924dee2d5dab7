"""The per-request work connexion would redo is done once (server/http/connexion_caches.py),
and validation still refuses what it refused before."""

from __future__ import annotations

from connexion.apps.asynchronous import AsyncOperation
from connexion.apps.flask import FlaskOperation

from server.http import connexion_caches


def test_both_caches_are_in_place_for_this_connexion(app):
    # Fails when connexion moves past the version the caches were written against: re-check
    # connexion's decorators and ParameterValidator, then raise SUPPORTED_CONNEXION.
    assert connexion_caches.supported()
    assert connexion_caches.install() == {"operations", "validators"}
    assert isinstance(FlaskOperation.__dict__["fn"], property)
    assert FlaskOperation.fn is not None and AsyncOperation.fn is not None


def test_the_decorator_chain_is_built_once_per_operation(app, api):
    for _ in range(3):
        assert api.get("/v1/studios").status_code == 200
    listed = [op for op in _operations(app) if op.operation_id == "list_studios"]
    assert len(listed) == 1
    built = listed[0].__dict__["_trax_fn"]
    assert listed[0].fn is built
    assert api.get("/v1/studios").status_code == 200
    assert listed[0].fn is built


def _operations(app) -> list:
    """The connexion operation objects the framework under the app dispatches to."""
    if hasattr(app, "app"):  # FlaskApp: Flask view functions
        views = app.app.view_functions.values()
    else:  # AsyncApp: the operations of its APIs, by operationId
        views = [
            operation
            for apis in app._middleware_app.apis.values()
            for api in apis
            for operation in api.operations.values()
        ]
    return [view for view in views if isinstance(view, FlaskOperation | AsyncOperation)]


def test_a_parameter_validator_is_reused_and_still_validates():
    param = {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1}}
    assert connexion_caches._validate_parameter("query", 5, param) is None
    first = connexion_caches._validator_for(param)
    error = connexion_caches._validate_parameter("query", 0, param)
    assert error is not None and "minimum" in error
    assert connexion_caches._validator_for(param) is first
    required = {"name": "q", "in": "query", "required": True, "schema": {"type": "string"}}
    assert connexion_caches._validate_parameter("query", None, required) == (
        "Missing query parameter 'q'"
    )


def test_invalid_parameters_are_still_refused(api):
    for query in ("limit=0", "limit=abc", "limit=1.5", "unknown=1"):
        response = api.get(f"/v1/studios?{query}")
        assert response.status_code == 400, query
        assert response.json()["error"]["code"] == "invalid_request"

"""The contract as the server reads it: the spec document and, per operation, the access policy
it declares (public or keyed, the required scope from `x-trax-required-scope`, mutating)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from server.domain.errors import MethodNotAllowed, NotFound

SPEC_PATH = Path(__file__).resolve().parents[2] / "openapi" / "openapi.yaml"
SCOPE_EXTENSION = "x-trax-required-scope"
HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
MUTATING_METHODS = frozenset({"post", "put", "patch", "delete"})
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
NO_SUCH_ROUTE = "No such route. See /v1/openapi.json for every route."


def has_control_character(text: str) -> bool:
    return _CONTROL.search(text) is not None


def _write_only_properties(node: Any) -> set[str]:
    """Names of every property declared `writeOnly: true` (secrets such as a stream key)."""
    names: set[str] = set()
    if isinstance(node, dict):
        for name, schema in (node.get("properties") or {}).items():
            if isinstance(schema, dict) and schema.get("writeOnly"):
                names.add(name)
        for value in node.values():
            names |= _write_only_properties(value)
    elif isinstance(node, list):
        for value in node:
            names |= _write_only_properties(value)
    return names


def load_spec(path: Path = SPEC_PATH) -> dict[str, Any]:
    with path.open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def base_path(spec: dict[str, Any]) -> str:
    return spec["servers"][0]["url"].rstrip("/")


@dataclass(frozen=True)
class OperationPolicy:
    operation_id: str
    method: str
    path: str
    public: bool
    required_scope: str | None
    mutating: bool
    has_body: bool


class OperationIndex:
    """Lookups by operationId (for access checks) and by URL path (for the 405 Allow header)."""

    def __init__(self, spec: dict[str, Any]):
        prefix = base_path(spec)
        self.base_path = prefix
        self.secret_fields = frozenset(_write_only_properties(spec))
        default_security = spec.get("security", [])
        self.by_id: dict[str, OperationPolicy] = {}
        self._paths: list[tuple[re.Pattern[str], dict[str, OperationPolicy]]] = []
        for path, item in spec["paths"].items():
            methods = [m for m in HTTP_METHODS if m in item]
            pattern = re.sub(r"\\\{[^/]+?\\\}", "[^/]+", re.escape(prefix + path))
            route: dict[str, OperationPolicy] = {}
            self._paths.append((re.compile(f"^{pattern}$"), route))
            for method in methods:
                operation = item[method]
                public = operation.get("security", default_security) == []
                scope = operation.get(SCOPE_EXTENSION)
                if not public and not scope:
                    raise ValueError(f"{operation['operationId']} needs {SCOPE_EXTENSION}")
                route[method] = self.by_id[operation["operationId"]] = OperationPolicy(
                    operation_id=operation["operationId"],
                    method=method,
                    path=path,
                    public=public,
                    required_scope=None if public else scope,
                    mutating=method in MUTATING_METHODS,
                    has_body="requestBody" in operation,
                )

    def _route(self, url_path: str) -> dict[str, OperationPolicy]:
        if has_control_character(url_path):
            return {}
        for pattern, route in self._paths:
            if pattern.match(url_path):
                return route
        return {}

    def find(self, method: str, url_path: str) -> OperationPolicy | None:
        """The operation a request goes to, or None."""
        return self._route(url_path).get(method.lower())

    def allowed_methods(self, url_path: str) -> list[str]:
        return [method.upper() for method in self._route(url_path)]

    def unrouted_error(self, method: str, url_path: str) -> NotFound | MethodNotAllowed:
        """404 for a path the contract does not have; 405 with Allow for a wrong method."""
        allowed = self.allowed_methods(url_path)
        if not allowed:
            return NotFound(NO_SUCH_ROUTE)
        return MethodNotAllowed(
            f"{method} is not allowed here; use {', '.join(allowed)}.",
            headers={"Allow": ", ".join(allowed)},
        )

"""Every request the parameter plan reads (server/http/connexion_compat.py, coupling 10) is
read by connexion's own code too, and the two must agree: connexion's validation passes it and
connexion's argument preparation gives the same arguments, of the same types. Every body
validated on the body guard's document (coupling 12) is judged by connexion's own validation
of the raw body as well: both pass it, or both refuse it with the same error. On for the whole
suite (conftest.py), the fuzzing included, so a request the plan reads differently fails the
test that made it."""

from __future__ import annotations

import copy
from collections.abc import Coroutine
from typing import Any

from connexion.decorators import parameter as parameter_decoration
from connexion.lifecycle import ConnexionRequest
from connexion.validators.parameter import ParameterValidator

from server.http import connexion_compat
from server.http.body_limit import BODY_EXTENSION
from server.http.connexion_compat import (
    ParameterPlan,
    PlannedArguments,
    _original_parameter_validate,
    _original_validation_call,
)

_original_resolve = ParameterPlan.resolve


class PlanDisagrees(AssertionError):
    pass


def _typed(arguments: dict[str, Any]) -> dict[str, tuple[type, Any]]:
    return {name: (type(value), value) for name, value in arguments.items()}


def connexions_reading(plan: ParameterPlan, scope: dict[str, Any]) -> PlannedArguments:
    """connexion's validation (raises what it would answer) and its path and query arguments,
    as prep_kwargs names them."""
    operation = plan.operation
    parser = operation.uri_parser_class(operation.parameters, operation.body_definition())
    validator = ParameterValidator(
        operation.parameters,
        uri_parser=parser,
        strict_validation=True,
        security_query_params=sorted(plan.allowed_query - set(plan.query)),
    )
    _original_parameter_validate(validator, scope)  # never the skip the plan installs
    request = ConnexionRequest(scope, uri_parser=parser)
    pythonic = parameter_decoration.pythonic
    path = parameter_decoration._get_path_arguments(
        request.path_params, operation=operation, sanitize=pythonic
    )
    query = parameter_decoration._get_query_arguments(
        request.query_params,
        operation=operation,
        arguments=[],
        has_kwargs=True,
        sanitize=pythonic,
    )
    return (
        {pythonic(name): value for name, value in path.items()},
        [(pythonic(name), value) for name, value in query.items()],
    )


def shadowed_resolve(self: ParameterPlan, scope: dict[str, Any]) -> PlannedArguments | None:
    planned = _original_resolve(self, scope)
    if planned is None:
        return None
    try:
        expected = connexions_reading(self, scope)
    except Exception as refused:
        raise PlanDisagrees(
            f"the plan passed what connexion refuses: {scope['path']}?"
            f"{scope['query_string']!r}: {refused}"
        ) from refused
    path, query = planned
    if _typed(path) != _typed(expected[0]) or _typed(dict(query)) != _typed(dict(expected[1])):
        raise PlanDisagrees(
            f"{scope['path']}?{scope['query_string']!r}: the plan read {planned}, "
            f"connexion {expected}"
        )
    return planned


_original_one_pass = connexion_compat.validated_in_one_pass


def _verdict(judge: Any) -> tuple[str, Any, Any, Exception | None]:
    """("passed", ..., None) or ("refused", the error's type, its detail, the error)."""
    try:
        judge()
    except Exception as refused:  # what an error handler would answer
        return "refused", type(refused), getattr(refused, "detail", str(refused)), refused
    return "passed", None, None, None


def _run_now(coroutine: Coroutine[Any, Any, Any]) -> None:
    """Runs a coroutine that never waits (its receive hands the whole body over at once)."""
    try:
        coroutine.send(None)
    except StopIteration:
        return
    coroutine.close()
    raise AssertionError("connexion's validation waited for more of the body")


def connexions_validation(validation: Any, scope: dict[str, Any]) -> None:
    """connexion's own `RequestValidationOperation.__call__` on the raw body (the parameters
    skipped as the plan's requests skip them), stopping before the next app."""
    body = scope.get("extensions", {}).get(BODY_EXTENSION, b"")
    delivered = False

    async def receive() -> dict[str, Any]:
        nonlocal delivered
        assert not delivered, "connexion read the body twice"
        delivered = True
        return {"type": "http.request", "body": body, "more_body": False}

    async def stop(*_: Any) -> None:
        return None

    judge = copy.copy(validation)
    judge.next_app = stop
    scope_copy = {**scope, "headers": list(scope["headers"])}
    _run_now(_original_validation_call(judge, scope_copy, receive, None))


def shadowed_one_pass(validation: Any, scope: dict[str, Any]) -> bool:
    outcome: list[bool] = []
    ours = _verdict(lambda: outcome.append(_original_one_pass(validation, scope)))
    if ours[0] == "passed" and not outcome[0]:
        return False  # connexion's own code validates this one
    theirs = _verdict(lambda: connexions_validation(validation, scope))
    if ours[:3] != theirs[:3]:
        raise PlanDisagrees(
            f"{scope['method']} {scope['path']}: the body's validation on the parsed document "
            f"gave {ours[:3]}, connexion's on the raw body {theirs[:3]}"
        )
    if ours[3] is not None:
        raise ours[3]
    return True

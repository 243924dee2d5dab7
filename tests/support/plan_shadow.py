"""Every request the parameter plan reads (server/http/connexion_compat.py, coupling 10) is
read by connexion's own code too, and the two must agree: connexion's validation passes it and
connexion's argument preparation gives the same arguments, of the same types. On for the whole
suite (conftest.py), the fuzzing included, so a request the plan reads differently fails the
test that made it."""

from __future__ import annotations

from typing import Any

from connexion.decorators import parameter as parameter_decoration
from connexion.lifecycle import ConnexionRequest
from connexion.validators.parameter import ParameterValidator

from server.http.connexion_compat import (
    ParameterPlan,
    PlannedArguments,
    _original_parameter_validate,
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

"""Which database errors answer 503 service_unavailable rather than 500."""

from __future__ import annotations

import pytest
from sqlalchemy.exc import InvalidRequestError, OperationalError

from server.storage.database import database_unavailable


def test_the_pool_giving_up_on_dead_connections_is_an_outage():
    # SQLAlchemy's pool raises exactly this after its checkout retries all met cut connections.
    assert database_unavailable(InvalidRequestError("This connection is closed"))
    assert database_unavailable(OperationalError("SELECT 1", {}, Exception("gone")))


@pytest.mark.parametrize(
    "message", ["Object '<Studio>' is already attached", "Could not locate column in row"]
)
def test_other_invalid_requests_are_bugs_not_outages(message):
    assert not database_unavailable(InvalidRequestError(message))

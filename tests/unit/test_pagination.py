import pytest

from server.domain.errors import InvalidRequest
from server.domain.pagination import decode_cursor, encode_cursor, page_request

STUDIO_ID = "studio_01JDQ2Z8M6Q1W3E5R7T9Y1V3K5"


def test_cursor_round_trip_is_url_safe():
    cursor = encode_cursor(STUDIO_ID)
    assert "=" not in cursor and "+" not in cursor and "/" not in cursor
    assert decode_cursor(cursor, "studio") == STUDIO_ID


@pytest.mark.parametrize("limit, expected", [(None, 50), (1, 1), (200, 200), (201, 200)])
def test_limit(limit, expected):
    assert page_request(limit, None, "studio").limit == expected


def test_limit_below_one():
    with pytest.raises(InvalidRequest):
        page_request(0, None, "studio")


def test_cursor_of_another_resource_is_rejected():
    with pytest.raises(InvalidRequest):
        decode_cursor(encode_cursor(STUDIO_ID), "source")

"""The pure parts of issue 16: Idempotency-Key parsing, the request fingerprint, what is stored
for replay, entity-tag parsing and matching, the If-Match check."""

from __future__ import annotations

import pytest

from server.domain.conditional import (
    current_if_match,
    etag,
    expected_version,
    parse_entity_tags,
    require_version,
)
from server.domain.errors import InvalidRequest, PreconditionFailed
from server.domain.idempotency import fingerprint, parse_idempotency_key
from server.services.idempotency import stored


class TestIdempotencyKey:
    @pytest.mark.parametrize(
        ("header", "key"),
        [
            ("abc", "abc"),
            ("  abc  ", "abc"),
            ('"abc"', "abc"),
            ('"a \\"quoted\\" \\\\ key"', 'a "quoted" \\ key'),
            ("x" * 255, "x" * 255),
            ('"' + "y" * 255 + '"', "y" * 255),
            ("5f3c2b1a-8d7e-4f6a-9b0c-1d2e3f4a5b6c", "5f3c2b1a-8d7e-4f6a-9b0c-1d2e3f4a5b6c"),
            ("with space inside", "with space inside"),
        ],
    )
    def test_accepted(self, header, key):
        assert parse_idempotency_key(header) == key

    @pytest.mark.parametrize(
        "header",
        [
            "",
            "   ",
            '""',
            '"',
            '"abc',
            '"a"b"',
            "x" * 256,
            "caf\u00e9",
            "tab\there",
            '"bad \\n escape"',
            '"trailing \\"',
            "\x7f",
        ],
    )
    def test_refused(self, header):
        with pytest.raises(InvalidRequest):
            parse_idempotency_key(header)


class TestFingerprint:
    def test_canonical_json_ignores_key_order_and_whitespace(self):
        one = fingerprint("application/json", b'{"name": "Show", "autoGoLive": false}')
        two = fingerprint("application/json; charset=utf-8", b'{"autoGoLive":false,"name":"Show"}')
        assert one == two

    def test_any_difference_in_the_document_differs(self):
        base = fingerprint("application/json", b'{"name":"Show"}')
        assert fingerprint("application/json", b'{"name":"Show "}') != base
        assert fingerprint("application/json", b'{"name":"Show","autoGoLive":false}') != base
        assert fingerprint("application/json", b'["Show"]') != base

    def test_an_empty_body_and_other_media_types(self):
        assert fingerprint("", b"") == fingerprint("application/json", b"")
        raw = fingerprint("application/octet-stream", b"\x00\x01")
        assert raw == fingerprint("Application/Octet-Stream", b"\x00\x01")
        assert raw != fingerprint("text/plain", b"\x00\x01")
        assert raw != fingerprint("application/octet-stream", b"\x00\x02")

    def test_it_is_a_sha256_hex(self):
        value = fingerprint("application/json", b"{}")
        assert len(value) == 64 and int(value, 16) >= 0


@pytest.mark.parametrize(
    ("status", "applied", "kept"),
    [
        (201, True, True),
        (200, False, True),  # e.g. go-live of a studio that is already live: nothing committed
        (404, False, True),
        (409, False, True),
        (422, False, True),
        (400, False, False),
        (408, False, False),
        (413, False, False),
        (415, False, False),
        (400, True, True),  # a change was applied: never release the key
        (500, False, False),
        (503, False, False),
        (500, True, False),
    ],
)
def test_what_is_stored_for_replay(status, applied, kept):
    assert stored(status, applied) is kept


class TestEntityTags:
    def test_the_etag_is_the_quoted_version(self):
        assert etag(3) == '"3"'

    def test_star_matches_everything(self):
        tags = parse_entity_tags(" * ")
        assert tags.matches_strongly('"1"') and tags.matches_weakly('"7"')

    def test_lists_strong_and_weak(self):
        tags = parse_entity_tags('"1", W/"2" ,"3"')
        assert tags.matches_strongly('"1"') and tags.matches_strongly('"3"')
        assert not tags.matches_strongly('"2"')  # a weak tag never matches strongly
        assert tags.matches_weakly('"2"')
        assert not tags.matches_weakly('"4"')

    @pytest.mark.parametrize(
        "header", ["", "3", "0", '"3', '"3" "4"', '"3",,junk', '"3", junk', "W/3", 'w"3"']
    )
    def test_a_malformed_value_matches_nothing(self, header):
        tags = parse_entity_tags(header)
        assert not tags.any and tags.tags == ()
        for current in ('"3"', '"4"', '""'):
            assert not tags.matches_strongly(current) and not tags.matches_weakly(current)


class TestRequireVersion:
    def test_no_if_match_means_no_condition(self):
        require_version(1)
        assert expected_version(1) is None

    def test_a_matching_tag_passes_and_another_fails(self):
        token = current_if_match.set(parse_entity_tags('"4"'))
        try:
            require_version(4)
            assert expected_version(4) == 4
            with pytest.raises(PreconditionFailed) as raised:
                require_version(5)
            assert raised.value.status == 412 and raised.value.code == "precondition_failed"
        finally:
            current_if_match.reset(token)

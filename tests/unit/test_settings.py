"""Settings are declared once: every field has one variable, defaults come from the fields, and
bad values are refused with the variable's name."""

from __future__ import annotations

from dataclasses import fields

import pytest

from server.config import ENVIRONMENT, Settings


@pytest.fixture
def environment(monkeypatch, tmp_path):
    for variable, _ in ENVIRONMENT.values():
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("TRAX_KEY_HASH_SECRET", "secret")
    return monkeypatch


def test_every_setting_has_exactly_one_variable():
    assert {f.name for f in fields(Settings)} == ENVIRONMENT.keys()
    variables = [variable for variable, _ in ENVIRONMENT.values()]
    assert len(variables) == len(set(variables))


def test_unset_variables_take_the_declared_defaults(environment):
    assert Settings.from_env() == Settings(key_hash_secret="secret")


def test_variables_are_parsed(environment):
    environment.setenv("TRAX_MAX_BODY_BYTES", "1024")
    environment.setenv("TRAX_LOG_FORMAT", " Text ")
    environment.setenv("TRAX_RELAY_IN_SERVE", "off")
    environment.setenv("TRAX_S3_KEY_PREFIX", "")
    settings = Settings.from_env()
    assert (settings.max_body_bytes, settings.log_format) == (1024, "text")
    assert settings.relay_in_serve is False and settings.s3_key_prefix == ""


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("TRAX_MAX_BODY_BYTES", "lots", "TRAX_MAX_BODY_BYTES='lots' is not valid"),
        ("TRAX_MEDIA_BACKEND", "ftp", "TRAX_MEDIA_BACKEND must be one of"),
        ("TRAX_MAX_CONCURRENT_REQUESTS", "0", "at least 1"),
    ],
)
def test_bad_values_are_refused_by_name(environment, variable, value, message):
    environment.setenv(variable, value)
    with pytest.raises(ValueError, match=message):
        Settings.from_env()

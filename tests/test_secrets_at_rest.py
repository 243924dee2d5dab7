"""Stream keys are sealed at rest (AES-GCM under a rotating keyring) and opened only where an
output starts."""

from __future__ import annotations

import base64

import pytest
from sqlalchemy import create_engine, text

from server.config import Settings
from server.services.container import Services
from server.services.stream_keys import StreamKeyVault
from server.storage import migrate
from server.storage.sealed_secrets import (
    DERIVED_KEY_ID,
    KeyringError,
    SecretKeyring,
    derived_key,
    new_secret_key,
    stream_key_context,
)
from tests.helpers import create_destination, create_studio

KEY = "live_abcd-efgh-ijkl-7f3k"


def ring(*ids: str, keys: dict[str, str] | None = None) -> SecretKeyring:
    keys = keys if keys is not None else {}
    return SecretKeyring.from_setting(
        ",".join(f"{i}={keys.setdefault(i, new_secret_key())}" for i in ids), "unused"
    )


# -- the keyring (unit) -----------------------------------------------------------------------


def test_a_sealed_value_opens_only_for_its_own_row():
    keyring = ring("k1")
    sealed = keyring.seal(KEY, context=stream_key_context("dest_1"))
    assert KEY not in sealed and sealed.startswith("k1:")
    assert keyring.open(sealed, context=stream_key_context("dest_1")) == KEY
    with pytest.raises(KeyringError, match="wrong key or wrong row"):
        keyring.open(sealed, context=stream_key_context("dest_2"))
    assert keyring.seal(KEY, context="c") != keyring.seal(KEY, context="c")  # fresh nonce


def test_rotation_opens_with_every_key_and_seals_with_the_first():
    keys: dict[str, str] = {}
    old = ring("old", keys=keys)
    sealed_before = old.seal(KEY, context="c")
    rotated = ring("new", "old", keys=keys)
    assert rotated.open(sealed_before, context="c") == KEY
    assert rotated.seal(KEY, context="c").startswith("new:")
    assert not rotated.is_sealed_by_primary(sealed_before)
    with pytest.raises(KeyringError, match="no key 'old'"):
        ring("new", keys=keys).open(sealed_before, context="c")


@pytest.mark.parametrize(
    "setting, message",
    [
        ("k1", "look like id=<base64 key>"),
        ("k1=not base64!", "not valid base64"),
        (f"k1={base64.b64encode(b'short').decode()}", "must be 32 bytes"),
        (f"bad id={new_secret_key()}", "use 1-32 of"),
        (f"k1={new_secret_key()},k1={new_secret_key()}", "appears twice"),
    ],
)
def test_a_malformed_keyring_setting_stops_the_start_up(setting, message):
    with pytest.raises(ValueError, match=message):
        Settings(key_hash_secret="s", secret_keys=setting)


def test_without_the_setting_the_keyring_is_derived_from_the_key_hash_secret():
    one = SecretKeyring.from_setting(None, "secret one")
    sealed = one.seal(KEY, context="c")
    assert SecretKeyring.from_setting("", "secret one").open(sealed, context="c") == KEY
    with pytest.raises(KeyringError):
        SecretKeyring.from_setting(None, "secret two").open(sealed, context="c")


# -- stored (integration) ---------------------------------------------------------------------


def stored_destination_columns(services: Services, destination_id: str) -> dict:
    with services.engine.connect() as connection:
        row = connection.execute(
            text("SELECT * FROM destinations WHERE id = :id"), {"id": destination_id}
        )
        return dict(row.mappings().one())


def test_the_database_holds_no_stream_key_in_clear(api, services):
    studio = create_studio(api)
    destination = create_destination(api, studio["id"], streamKey=KEY)
    assert destination["streamKeySet"] is True and destination["streamKeyLast4"] == "7f3k"
    columns = stored_destination_columns(services, destination["id"])
    assert KEY not in " ".join(str(value) for value in columns.values())
    with services.unit_of_work() as uow:
        stored = uow.destinations.get(
            _account_of(services, studio["id"]), studio["id"], destination["id"]
        )
    assert services.stream_keys.open(stored) == KEY

    cleared = api.patch(
        f"/v1/studios/{studio['id']}/destinations/{destination['id']}", json={"streamKey": None}
    ).json()
    assert cleared["streamKeySet"] is False and cleared["streamKeyLast4"] is None
    columns = stored_destination_columns(services, destination["id"])
    assert columns["stream_key_sealed"] is None and columns["stream_key_last4"] is None


def _account_of(services: Services, studio_id: str) -> str:
    with services.engine.connect() as connection:
        return connection.execute(
            text("SELECT account_id FROM studios WHERE id = :id"), {"id": studio_id}
        ).scalar_one()


def test_reseal_moves_every_key_to_the_first_key_of_the_ring(api, services):
    studio = create_studio(api)
    made = [create_destination(api, studio["id"], streamKey=f"{KEY}-{i}") for i in range(3)]
    new = base64.b64decode(new_secret_key())
    current = (DERIVED_KEY_ID, derived_key(services.settings.key_hash_secret))
    vault = StreamKeyVault(SecretKeyring([("new", new), current]))

    assert vault.reseal_all(services.unit_of_work) == 3
    assert vault.reseal_all(services.unit_of_work) == 0  # nothing left under the old key
    only_new = StreamKeyVault(SecretKeyring([("new", new)]))
    account_id = _account_of(services, studio["id"])
    with services.unit_of_work() as uow:
        for i, destination in enumerate(made):
            stored = uow.destinations.get(account_id, studio["id"], destination["id"])
            assert stored.stream_key_sealed.startswith("new:")
            assert only_new.open(stored) == f"{KEY}-{i}"


def test_the_migration_seals_the_keys_stored_before_it(tmp_path):
    url = f"sqlite:///{tmp_path / 'before-sealing.db'}"
    migrate.upgrade(url, "0008")
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(
            text("INSERT INTO accounts (id, name, created_at) VALUES ('acct_1', 'Old', :now)"),
            {"now": "2026-11-01 10:00:00"},
        )
        connection.execute(
            text(
                "INSERT INTO studios (id, account_id, name, auto_go_live, stream_state, "
                "created_at, updated_at) VALUES ('studio_1', 'acct_1', 'S', 0, 'offline', "
                ":now, :now)"
            ),
            {"now": "2026-11-01 10:00:00"},
        )
        connection.execute(
            text(
                "INSERT INTO destinations (id, account_id, studio_id, platform, name, rtmp_url, "
                "stream_key, enabled, output_state, created_at, updated_at) VALUES ('dest_1', "
                "'acct_1', 'studio_1', 'youtube', 'Y', 'rtmp://a.rtmp.youtube.com/live2', :key, "
                "1, 'idle', :now, :now)"
            ),
            {"key": KEY, "now": "2026-11-01 10:00:00"},
        )
    keyring = ring("k1")
    migrate.upgrade(url, secret_keyring=keyring)
    with engine.connect() as connection:
        sealed, last4 = connection.execute(
            text("SELECT stream_key_sealed, stream_key_last4 FROM destinations")
        ).one()
    assert last4 == "7f3k" and KEY not in sealed
    assert keyring.open(sealed, context=stream_key_context("dest_1")) == KEY

    migrate.downgrade(url, "0008", secret_keyring=keyring)
    with engine.connect() as connection:
        assert connection.execute(text("SELECT stream_key FROM destinations")).scalar() == KEY
    engine.dispose()


def test_new_secret_key_is_32_random_bytes():
    first, second = new_secret_key(), new_secret_key()
    assert len(base64.b64decode(first)) == 32 and first != second

"""stream hardening: stream keys sealed at rest (AES-GCM, server/storage/sealed_secrets.py) with
their last four characters kept apart; a generation counter on the studio's stream state

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 01:00:00
"""

from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from alembic import context, op

from server.storage.sealed_secrets import SecretKeyring, stream_key_context

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

destinations = sa.table(
    "destinations",
    sa.column("id", sa.String),
    sa.column("stream_key", sa.String),
    sa.column("stream_key_sealed", sa.String),
    sa.column("stream_key_last4", sa.String),
)


def keyring() -> SecretKeyring:
    """The keyring of the settings that run the migration (`trax db upgrade` passes it)."""
    given = context.config.attributes.get("secret_keyring")
    if isinstance(given, SecretKeyring):
        return given
    from server.config import Settings

    settings = Settings.from_env()
    return SecretKeyring.from_setting(settings.secret_keys, settings.key_hash_secret)


def rewrite_keys(
    source: sa.ColumnClause[Any], new_values: Callable[[SecretKeyring, str, str], dict[str, str]]
) -> None:
    """For every destination whose `source` column holds a key: set `new_values(ring, id,
    value)` (sealing on the way up, opening on the way down)."""
    connection = op.get_bind()
    rows = connection.execute(sa.select(destinations.c.id, source).where(source.is_not(None))).all()
    if not rows:
        return
    ring = keyring()
    for destination_id, value in rows:
        connection.execute(
            destinations.update()
            .where(destinations.c.id == destination_id)
            .values(**new_values(ring, destination_id, value))
        )


def sealed(ring: SecretKeyring, destination_id: str, stream_key: str) -> dict[str, str]:
    return {
        "stream_key_sealed": ring.seal(stream_key, context=stream_key_context(destination_id)),
        "stream_key_last4": stream_key[-4:],
    }


def opened(ring: SecretKeyring, destination_id: str, value: str) -> dict[str, str]:
    return {"stream_key": ring.open(value, context=stream_key_context(destination_id))}


def upgrade() -> None:
    with op.batch_alter_table("studios", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("stream_generation", sa.Integer(), nullable=False, server_default="0")
        )
    with op.batch_alter_table("destinations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("stream_key_sealed", sa.String(length=512), nullable=True))
        batch_op.add_column(sa.Column("stream_key_last4", sa.String(length=4), nullable=True))
    rewrite_keys(destinations.c.stream_key, sealed)
    with op.batch_alter_table("destinations", schema=None) as batch_op:
        batch_op.drop_column("stream_key")


def downgrade() -> None:
    with op.batch_alter_table("destinations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("stream_key", sa.String(length=256), nullable=True))
    rewrite_keys(destinations.c.stream_key_sealed, opened)
    with op.batch_alter_table("destinations", schema=None) as batch_op:
        batch_op.drop_column("stream_key_last4")
        batch_op.drop_column("stream_key_sealed")
    with op.batch_alter_table("studios", schema=None) as batch_op:
        batch_op.drop_column("stream_generation")

"""media sources: a source may play a media library asset instead of an ingest stream

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-28 15:40:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("sources", schema=None) as batch_op:
        batch_op.add_column(sa.Column("media_asset_id", sa.String(length=40), nullable=True))
        batch_op.alter_column("stream_path", existing_type=sa.String(length=128), nullable=True)
        batch_op.create_index(
            batch_op.f("ix_sources_media_asset_id"), ["media_asset_id"], unique=False
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_sources_media_asset_id_media_assets"),
            "media_assets",
            ["media_asset_id"],
            ["id"],
        )


def downgrade() -> None:
    op.execute("DELETE FROM sources WHERE media_asset_id IS NOT NULL")
    with op.batch_alter_table("sources", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_sources_media_asset_id_media_assets"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_sources_media_asset_id"))
        batch_op.alter_column("stream_path", existing_type=sa.String(length=128), nullable=False)
        batch_op.drop_column("media_asset_id")

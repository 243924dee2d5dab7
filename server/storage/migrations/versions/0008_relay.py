"""relay: per-destination output reason, retry time and measured health; the studio's program;
relay leases (each live studio is owned by exactly one relay worker)

Revision ID: 0008
Revises: 0005
Create Date: 2026-12-01 21:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("destinations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("output_reason", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("output_retry_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("health_bitrate_kbps", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("health_fps", sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("health_dropped_frames", sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column("health_at", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("studios", schema=None) as batch_op:
        batch_op.add_column(sa.Column("program", sa.String(length=64), nullable=True))
    op.create_table(
        "relay_leases",
        sa.Column("studio_id", sa.String(length=40), nullable=False),
        sa.Column("worker_id", sa.String(length=64), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["studio_id"],
            ["studios.id"],
            name=op.f("fk_relay_leases_studio_id_studios"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("studio_id", name=op.f("pk_relay_leases")),
    )
    op.create_index(op.f("ix_relay_leases_worker_id"), "relay_leases", ["worker_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_relay_leases_worker_id"), table_name="relay_leases")
    op.drop_table("relay_leases")
    with op.batch_alter_table("studios", schema=None) as batch_op:
        batch_op.drop_column("program")
    with op.batch_alter_table("destinations", schema=None) as batch_op:
        for column in (
            "health_at",
            "health_dropped_frames",
            "health_fps",
            "health_bitrate_kbps",
            "output_retry_at",
            "output_reason",
        ):
            batch_op.drop_column(column)

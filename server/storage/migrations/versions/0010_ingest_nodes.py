"""ingest nodes: which ingests (the embedded nginx-rtmp) accept publishers now; why a
studio's stream is errored

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02 01:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("studios", schema=None) as batch_op:
        batch_op.add_column(sa.Column("stream_error", sa.String(length=64), nullable=True))
    op.create_table(
        "ingest_nodes",
        sa.Column("node_id", sa.String(length=64), nullable=False),
        sa.Column("protocol", sa.String(length=16), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("node_id", name=op.f("pk_ingest_nodes")),
    )
    op.create_index(op.f("ix_ingest_nodes_protocol"), "ingest_nodes", ["protocol"])


def downgrade() -> None:
    op.drop_index(op.f("ix_ingest_nodes_protocol"), table_name="ingest_nodes")
    op.drop_table("ingest_nodes")
    with op.batch_alter_table("studios", schema=None) as batch_op:
        batch_op.drop_column("stream_error")

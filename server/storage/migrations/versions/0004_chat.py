"""chat

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28 15:06:44.074211
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "recorded_chat_deliveries",
        sa.Column("outbox_id", sa.String(length=40), nullable=False),
        sa.Column("platform", sa.String(length=32), nullable=False),
        sa.Column("connection_id", sa.String(length=40), nullable=True),
        sa.Column("text", sa.String(length=2000), nullable=False),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("outbox_id", name=op.f("pk_recorded_chat_deliveries")),
    )
    op.create_table(
        "chat_messages",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("account_id", sa.String(length=40), nullable=False),
        sa.Column("studio_id", sa.String(length=40), nullable=False),
        sa.Column("direction", sa.String(length=16), nullable=False),
        sa.Column("platform", sa.String(length=32), nullable=True),
        sa.Column("connection_id", sa.String(length=40), nullable=True),
        sa.Column("platform_message_id", sa.String(length=128), nullable=True),
        sa.Column("author_name", sa.String(length=100), nullable=False),
        sa.Column("text", sa.String(length=2000), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_chat_messages_account_id_accounts")
        ),
        sa.ForeignKeyConstraint(
            ["connection_id"],
            ["connections.id"],
            name=op.f("fk_chat_messages_connection_id_connections"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["studio_id"],
            ["studios.id"],
            name=op.f("fk_chat_messages_studio_id_studios"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_chat_messages")),
        sa.UniqueConstraint(
            "connection_id",
            "platform_message_id",
            name=op.f("uq_chat_messages_connection_id_platform_message_id"),
        ),
    )
    with op.batch_alter_table("chat_messages", schema=None) as batch_op:
        batch_op.create_index(
            "ix_chat_messages_account_id_studio_id_id",
            ["account_id", "studio_id", "id"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_chat_messages_created_at"), ["created_at"], unique=False
        )

    op.create_table(
        "chat_outbox",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("message_id", sa.String(length=40), nullable=False),
        sa.Column("connection_id", sa.String(length=40), nullable=True),
        sa.Column("platform", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("claimed_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["connection_id"],
            ["connections.id"],
            name=op.f("fk_chat_outbox_connection_id_connections"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["message_id"],
            ["chat_messages.id"],
            name=op.f("fk_chat_outbox_message_id_chat_messages"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_chat_outbox")),
    )
    with op.batch_alter_table("chat_outbox", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_chat_outbox_connection_id"), ["connection_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_chat_outbox_message_id"), ["message_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("chat_outbox", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_chat_outbox_message_id"))
        batch_op.drop_index(batch_op.f("ix_chat_outbox_connection_id"))

    op.drop_table("chat_outbox")
    with op.batch_alter_table("chat_messages", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_chat_messages_created_at"))
        batch_op.drop_index("ix_chat_messages_account_id_studio_id_id")

    op.drop_table("chat_messages")
    op.drop_table("recorded_chat_deliveries")

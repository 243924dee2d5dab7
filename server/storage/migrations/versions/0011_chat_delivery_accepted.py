"""chat deliveries: the stored status of a queued delivery is the contract's `accepted` (it was
stored as `pending` and renamed on the way out)

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02 01:10:00
"""

from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("UPDATE chat_outbox SET status = 'accepted' WHERE status = 'pending'")


def downgrade() -> None:
    op.execute("UPDATE chat_outbox SET status = 'pending' WHERE status = 'accepted'")

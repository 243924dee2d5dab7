"""users: people of an account with the scopes they hold; web sessions; keys belong to a user

Every existing account gets an owner user holding every scope (no email or password yet: an
operator sets them with `trax users set-email` / `trax users set-password`), and every existing
key is assigned to its account's owner, so keys made before this migration keep working.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 21:30:00
"""

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

from server.domain.ids import new_id
from server.domain.scopes import ALL_SCOPES

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("account_id", sa.String(length=40), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column("password_hash", sa.String(length=255), nullable=True),
        sa.Column("scopes", sa.String(length=1000), nullable=False),
        sa.Column("is_owner", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("deactivated_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_users_account_id_accounts")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("email", name=op.f("uq_users_email")),
    )
    op.create_index(op.f("ix_users_account_id"), "users", ["account_id"], unique=False)
    op.create_table(
        "user_sessions",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.String(length=40), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_user_sessions_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_user_sessions")),
    )
    op.create_index(op.f("ix_user_sessions_user_id"), "user_sessions", ["user_id"], unique=False)

    with op.batch_alter_table("api_keys", schema=None) as batch_op:
        batch_op.add_column(sa.Column("user_id", sa.String(length=40), nullable=True))

    connection = op.get_bind()
    accounts = sa.table("accounts", sa.column("id", sa.String))
    users = sa.table(
        "users",
        sa.column("id", sa.String),
        sa.column("account_id", sa.String),
        sa.column("scopes", sa.String),
        sa.column("is_owner", sa.Boolean),
        sa.column("created_at", sa.DateTime(timezone=True)),
    )
    api_keys = sa.table("api_keys", sa.column("user_id", sa.String), sa.column("account_id"))
    now = datetime.now(UTC)
    for (account_id,) in connection.execute(sa.select(accounts.c.id)).all():
        owner_id = new_id("user")
        connection.execute(
            users.insert().values(
                id=owner_id,
                account_id=account_id,
                scopes=" ".join(ALL_SCOPES),
                is_owner=True,
                created_at=now,
            )
        )
        connection.execute(
            api_keys.update().where(api_keys.c.account_id == account_id).values(user_id=owner_id)
        )

    with op.batch_alter_table("api_keys", schema=None) as batch_op:
        batch_op.alter_column("user_id", existing_type=sa.String(length=40), nullable=False)
        batch_op.create_index(batch_op.f("ix_api_keys_user_id"), ["user_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_api_keys_user_id_users"), "users", ["user_id"], ["id"]
        )


def downgrade() -> None:
    with op.batch_alter_table("api_keys", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_api_keys_user_id_users"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_api_keys_user_id"))
        batch_op.drop_column("user_id")
    op.drop_index(op.f("ix_user_sessions_user_id"), table_name="user_sessions")
    op.drop_table("user_sessions")
    op.drop_index(op.f("ix_users_account_id"), table_name="users")
    op.drop_table("users")

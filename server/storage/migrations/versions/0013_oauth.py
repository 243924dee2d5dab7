"""oauth: apps registered for "Sign in with TRaX", the grants users gave them, authorization
codes and access/refresh tokens (only HMACs of codes, tokens and client secrets are stored)

Revision ID: 0013
Revises: 0011
Create Date: 2026-12-02 04:10:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0011"
branch_labels = None
depends_on = None


def _fk(table: str, column: str, referred: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{referred}.id"], name=op.f(f"fk_{table}_{column}_{referred}")
    )


def _when(name: str, nullable: bool = True) -> sa.Column:  # type: ignore[type-arg]
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "oauth_clients",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("account_id", sa.String(length=40), nullable=False),
        sa.Column("created_by", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("redirect_uris", sa.Text(), nullable=False),
        sa.Column("confidential", sa.Boolean(), nullable=False),
        sa.Column("secret_hash", sa.String(length=64), nullable=True),
        sa.Column("secret_prefix", sa.String(length=16), nullable=True),
        sa.Column("scopes", sa.String(length=1000), nullable=False),
        _when("created_at", nullable=False),
        _when("revoked_at"),
        _fk("oauth_clients", "account_id", "accounts"),
        _fk("oauth_clients", "created_by", "users"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_oauth_clients")),
    )
    op.create_index(op.f("ix_oauth_clients_account_id"), "oauth_clients", ["account_id"])
    op.create_index(op.f("ix_oauth_clients_created_by"), "oauth_clients", ["created_by"])
    op.create_table(
        "oauth_grants",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("client_id", sa.String(length=40), nullable=False),
        sa.Column("user_id", sa.String(length=40), nullable=False),
        sa.Column("account_id", sa.String(length=40), nullable=False),
        sa.Column("scopes", sa.String(length=1000), nullable=False),
        _when("created_at", nullable=False),
        _when("revoked_at"),
        sa.Column("revoked_reason", sa.String(length=32), nullable=True),
        _fk("oauth_grants", "client_id", "oauth_clients"),
        _fk("oauth_grants", "user_id", "users"),
        _fk("oauth_grants", "account_id", "accounts"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_oauth_grants")),
    )
    for column in ("client_id", "user_id", "account_id"):
        op.create_index(op.f(f"ix_oauth_grants_{column}"), "oauth_grants", [column])
    op.create_table(
        "oauth_codes",
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("grant_id", sa.String(length=40), nullable=False),
        sa.Column("redirect_uri", sa.Text(), nullable=False),
        sa.Column("code_challenge", sa.String(length=128), nullable=False),
        sa.Column("code_challenge_method", sa.String(length=8), nullable=False),
        sa.Column("scopes", sa.String(length=1000), nullable=False),
        _when("expires_at", nullable=False),
        _when("used_at"),
        _fk("oauth_codes", "grant_id", "oauth_grants"),
        sa.PrimaryKeyConstraint("code_hash", name=op.f("pk_oauth_codes")),
    )
    op.create_index(op.f("ix_oauth_codes_grant_id"), "oauth_codes", ["grant_id"])
    op.create_table(
        "oauth_tokens",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("grant_id", sa.String(length=40), nullable=False),
        sa.Column("access_hash", sa.String(length=64), nullable=False),
        sa.Column("refresh_hash", sa.String(length=64), nullable=True),
        sa.Column("scopes", sa.String(length=1000), nullable=False),
        _when("issued_at", nullable=False),
        _when("access_expires_at", nullable=False),
        _when("refresh_expires_at"),
        _when("rotated_at"),
        _when("revoked_at"),
        _fk("oauth_tokens", "grant_id", "oauth_grants"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_oauth_tokens")),
        sa.UniqueConstraint("access_hash", name=op.f("uq_oauth_tokens_access_hash")),
        sa.UniqueConstraint("refresh_hash", name=op.f("uq_oauth_tokens_refresh_hash")),
    )
    op.create_index(op.f("ix_oauth_tokens_grant_id"), "oauth_tokens", ["grant_id"])


def downgrade() -> None:
    op.drop_table("oauth_tokens")
    op.drop_table("oauth_codes")
    op.drop_table("oauth_grants")
    op.drop_table("oauth_clients")

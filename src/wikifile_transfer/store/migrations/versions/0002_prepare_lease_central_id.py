"""Preparation lease of a batch (``prepare_owner``, ``prepare_until``) and the central id of a Wikimedia
user (``users.central_id``, the OAuth profile's ``sub``).

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-02 11:40:00

Batches that exist already get no lease: the reconciler takes a batch left in ``expanding`` or
``planning`` without one as abandoned and prepares it again. Users that exist already get no central id:
the next OAuth sign-in of that name records it.

Migrations must run on SQLite, MariaDB and PostgreSQL: keep batch_alter_table (SQLite cannot ALTER most
things), explicit String lengths, explicit constraint names (op.f), and no server-side JSON operations.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("batches", schema=None) as batch_op:
        batch_op.add_column(sa.Column("prepare_owner", sa.String(length=100), nullable=True))
        batch_op.add_column(
            sa.Column(
                "prepare_until",
                sa.DateTime().with_variant(mysql.DATETIME(fsp=6), "mysql", "mariadb"),
                nullable=True,
            )
        )
        batch_op.create_index(
            batch_op.f("ix_batches_state_prepare_until"), ["state", "prepare_until"], unique=False
        )
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("central_id", sa.String(length=64), nullable=True))
        batch_op.create_index(batch_op.f("ix_users_domain_central_id"), ["domain", "central_id"], unique=True)


def downgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_users_domain_central_id"))
        batch_op.drop_column("central_id")
    with op.batch_alter_table("batches", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_batches_state_prepare_until"))
        batch_op.drop_column("prepare_until")
        batch_op.drop_column("prepare_owner")

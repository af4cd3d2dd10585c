"""Staff sessions can be ended on the server: each account has a session generation.

A session cookie carries the generation it was signed in under; signing out (or disabling the
account) moves the account to the next generation, so a copy of the cookie taken before, on this
or any other device, no longer signs anyone in.

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("staff_users", sa.Column("session_generation", sa.Integer, nullable=False, server_default="0"))

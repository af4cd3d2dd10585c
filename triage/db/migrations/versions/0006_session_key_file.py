"""The session key leaves the database; failed sign-ins are counted per account.

``web_secrets`` held the key that signs staff session cookies, so anyone with a backup of the
database could forge a staff cookie. The key now lives in a file readable only by its owner
(``TRIAGE_SESSION_KEY_FILE``, default ``session.key`` in the data folder), and the table is dropped
with the key in it: every session signed with the old key ends, and staff sign in again.

``sign_in_failures`` counts recent failed sign-ins per account name (a keyed hash of the name as
typed, so a password typed into the username box is never stored), shared by every server on the
database, so the back-off after repeated failures holds whichever server a guess reaches.

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_table("web_secrets")
    op.create_table(
        "sign_in_failures",
        sa.Column("account", sa.String(64), primary_key=True),
        sa.Column("failures", sa.Integer, nullable=False),
        sa.Column("last_failed_at", sa.Float, nullable=False),
        sa.Column("locked_until", sa.Float, nullable=False),
    )
    op.create_index("ix_sign_in_failures_last_failed_at", "sign_in_failures", ["last_failed_at"])

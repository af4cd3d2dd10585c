"""Households: which decisions the front door has linked as one family.

Each link is a ``linked`` event in the audit chain; these two tables are where the pages find the
result without reading the chain. ``households`` keeps every household id ever given out (one
merged into another points at it), so an id written on a case file always leads somewhere.

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "households",
        sa.Column("household_id", sa.String(16), primary_key=True),
        sa.Column("created_seq", sa.BigInteger, sa.ForeignKey("audit_events.seq"), nullable=False),
        sa.Column("merged_into", sa.String(16)),
    )
    op.create_table(
        "household_members",
        sa.Column("decision_id", sa.String(64), sa.ForeignKey("audit_decisions.decision_id"), primary_key=True),
        sa.Column("household_id", sa.String(16), sa.ForeignKey("households.household_id"), nullable=False),
        sa.Column("linked_seq", sa.BigInteger, sa.ForeignKey("audit_events.seq"), nullable=False),
    )
    op.create_index("ix_household_members_household_id", "household_members", ["household_id"])

"""The audit log: hash-chained events, payloads apart, archived rulesets; append-only triggers.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

_APPEND_ONLY = {
    "audit_events": ("UPDATE", "DELETE"),
    "audit_rulesets": ("UPDATE", "DELETE"),
    # payloads may be purged (retention), never edited
    "audit_payloads": ("UPDATE",),
}


def upgrade() -> None:
    op.create_table(
        "audit_events",
        sa.Column("seq", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("event_id", sa.String(64), nullable=False, unique=True),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("recorded_at", sa.String(40), nullable=False),
        sa.Column("referral_id", sa.String(64)),
        sa.Column("decision_id", sa.String(64)),
        sa.Column("decided_referral_id", sa.String(64), unique=True),
        sa.Column("content", sa.Text, nullable=False),
        sa.Column("prev_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("hash", sa.String(64), nullable=False, unique=True),
    )
    op.create_index("ix_audit_events_referral_id", "audit_events", ["referral_id"])
    op.create_index("ix_audit_events_decision_id", "audit_events", ["decision_id"])
    op.create_table(
        "audit_payloads",
        sa.Column("sha256", sa.String(64), primary_key=True),
        sa.Column("stored_at", sa.String(40), nullable=False),
        sa.Column("body", sa.Text, nullable=False),
    )
    op.create_table(
        "audit_rulesets",
        sa.Column("sha256", sa.String(64), primary_key=True),
        sa.Column("version", sa.String(64), nullable=False),
        sa.Column("stored_at", sa.String(40), nullable=False),
        sa.Column("content", sa.Text, nullable=False),
    )
    if op.get_bind().dialect.name == "postgresql":
        _postgres_triggers()
    else:
        _sqlite_triggers()


def _sqlite_triggers() -> None:
    for table, statements in _APPEND_ONLY.items():
        for statement in statements:
            op.execute(
                f"CREATE TRIGGER {table}_no_{statement.lower()} BEFORE {statement} ON {table} "
                f"BEGIN SELECT RAISE(ABORT, '{table} is append-only: {statement} refused'); END"
            )


def _postgres_triggers() -> None:
    op.execute("""
        CREATE FUNCTION audit_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP;
        END $$""")
    for table, statements in _APPEND_ONLY.items():
        op.execute(
            f"CREATE TRIGGER {table}_append_only BEFORE {' OR '.join(statements)} ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION audit_refuse_change()"
        )

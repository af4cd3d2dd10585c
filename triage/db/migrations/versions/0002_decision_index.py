"""Decisions indexed by caller, route, priority, locality and dates; one decision per (caller, referral).

The spec makes a referral id unique *per referrer system*, so two partners may both send "R-1":
the one-decision-per-referral rule moves from ``audit_events.decided_referral_id`` (unique across
all callers) to ``audit_decisions`` (unique per caller). ``audit_decisions`` is a projection of the
decision events, written in the same transaction, append-only like them: it lets the API and the
queue filter decisions without parsing every event. Existing decision events are copied into it,
so the upgrade keeps every record and every idempotency key.

Revision ID: 0002
Revises: 0001
"""

import json

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    decisions = op.create_table(
        "audit_decisions",
        sa.Column("decision_id", sa.String(64), primary_key=True),
        sa.Column("seq", sa.BigInteger, sa.ForeignKey("audit_events.seq"), nullable=False, unique=True),
        sa.Column("caller", sa.String(128), nullable=False),
        sa.Column("referral_id", sa.String(64), nullable=False),
        sa.Column("route", sa.String(64), nullable=False),
        sa.Column("locality", sa.String(64)),
        sa.Column("priority", sa.String(32), nullable=False),
        sa.Column("respond_by", sa.String(10), nullable=False),
        sa.Column("decided_at", sa.String(40), nullable=False),
        sa.UniqueConstraint("caller", "referral_id", name="uq_audit_decisions_caller_referral"),
    )
    for column in ("route", "respond_by", "decided_at"):
        op.create_index(f"ix_audit_decisions_{column}", "audit_decisions", [column])
    op.create_index("ix_audit_events_kind", "audit_events", ["kind"])
    _copy_existing_decisions(decisions)
    _refuse_changes()


def _copy_existing_decisions(decisions: sa.Table) -> None:
    bind = op.get_bind()
    rows = bind.execute(sa.text("SELECT seq, content FROM audit_events WHERE kind = 'decision' ORDER BY seq"))
    copied = []
    for seq, content in rows:
        body = json.loads(content)["body"]
        decision = body["decision"]
        copied.append(
            {
                "decision_id": decision["decision_id"],
                "seq": seq,
                "caller": body["caller"],
                "referral_id": decision["referral_id"],
                "route": decision["route"],
                "locality": decision["locality"],
                "priority": decision["priority"],
                "respond_by": decision["respond_by"],
                "decided_at": decision["decided_at"],
            }
        )
    if copied:
        op.bulk_insert(decisions, copied)


def _refuse_changes() -> None:
    if op.get_bind().dialect.name == "postgresql":  # audit_refuse_change() comes from 0001
        op.execute(
            "CREATE TRIGGER audit_decisions_append_only BEFORE UPDATE OR DELETE ON audit_decisions "
            "FOR EACH ROW EXECUTE FUNCTION audit_refuse_change()"
        )
        return
    for statement in ("UPDATE", "DELETE"):
        op.execute(
            f"CREATE TRIGGER audit_decisions_no_{statement.lower()} BEFORE {statement} ON audit_decisions "
            f"BEGIN SELECT RAISE(ABORT, 'audit_decisions is append-only: {statement} refused'); END"
        )

"""The decisions index: one decision per (caller, referral id), kept in step with the chain."""

from __future__ import annotations

from datetime import date

import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import text

from triage.audit import CaseClosed, Recording
from triage.audit.events import DecisionQuery
from triage.audit.store import AuditStore
from triage.cases.service import Cases
from triage.db.connection import open_database
from triage.db.migrate import HEAD, MIGRATIONS, current_revision
from triage.engine import Engine
from triage.intake import parse_referral

from support import append_whole_decision, build_referral, child, parent

FAMILY = (parent(employment={"out_of_work_benefits": True}), child(school={"attendance_pct": 80.0}))


def test_two_callers_may_use_the_same_referral_id(store, audited):
    school = audited(build_referral(*FAMILY), caller="school-mis")
    police = audited(build_referral(*FAMILY, postcode="S2 1AA"), caller="police")
    assert school.decision_id != police.decision_id
    assert store.log.verify().ok


def test_a_callers_resubmission_returns_its_own_decision(audited):
    first = audited(build_referral(*FAMILY), caller="school-mis")
    audited(build_referral(*FAMILY), caller="police")
    assert audited(build_referral(*FAMILY), caller="school-mis") == first


@pytest.mark.parametrize("statement", ["UPDATE audit_decisions SET route = 'bsf'", "DELETE FROM audit_decisions"])
def test_the_database_refuses_to_change_the_index(store, audited, statement):
    audited(build_referral(*FAMILY))
    with pytest.raises(Exception, match="append-only"):
        with store.db.begin() as conn:
            conn.execute(text(statement))


def _drop_index_triggers(conn, store) -> None:
    if store.db.dialect.name == "postgresql":
        conn.execute(text("DROP TRIGGER audit_decisions_append_only ON audit_decisions"))
    else:
        conn.execute(text("DROP TRIGGER audit_decisions_no_update"))
        conn.execute(text("DROP TRIGGER audit_decisions_no_delete"))


def test_an_index_row_edited_behind_the_chain_fails_verify(store, audited):
    decision = audited(build_referral(*FAMILY))
    with store.db.begin() as conn:
        _drop_index_triggers(conn, store)
        conn.execute(text("UPDATE audit_decisions SET route = 'social_care'"))
    result = store.log.verify()
    assert (result.ok, result.first_bad_seq, decision.route != "social_care") == (False, 1, True)
    assert "edited" in result.problem


def test_an_index_row_removed_behind_the_chain_fails_verify(store, audited):
    audited(build_referral(*FAMILY))
    with store.db.begin() as conn:
        _drop_index_triggers(conn, store)
        conn.execute(text("DELETE FROM audit_decisions"))
    result = store.log.verify()
    assert (result.ok, result.first_bad_seq) == (False, 1)
    assert "missing" in result.problem


def _database_at_0001(url: str) -> None:
    engine = open_database(url)
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, "0001")
    engine.dispose()


def test_upgrading_from_0001_indexes_the_decisions_already_recorded(store_url, policy):
    _database_at_0001(store_url)
    engine = Engine(policy, "python")
    data = build_referral(*FAMILY)
    decision = engine.decide(parse_referral(data, engine.compiled.agencies))
    writer_engine = open_database(store_url)
    append_whole_decision(writer_engine, policy, data, decision, "tests")  # what 0001's store wrote: no index row
    writer_engine.dispose()
    upgraded = AuditStore(store_url)
    try:
        assert upgraded.log.verify().ok
        [again] = upgraded.log.record("tests", [Recording(data, decision.referral_id, None, policy)])
        assert again.decision_id == decision.decision_id  # found, not decided twice
    finally:
        upgraded.db.dispose()


def test_the_declared_head_is_the_newest_migration():
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    assert ScriptDirectory.from_config(config).get_current_head() == HEAD


def test_a_new_store_brings_the_database_to_the_head(store):
    assert current_revision(store.db) == HEAD


def test_the_last_day_there_is_means_no_upper_bound(store, audited):
    decision = audited(build_referral(parent(), child()))
    found = store.queries.find_decisions(DecisionQuery(until=date.max))
    assert [event.decision_id for event in found] == [decision.decision_id]
    assert list(store.queries.routes_and_problems(None, date.max)) == [(decision.route, decision.problems)]


def test_an_override_to_mast_goes_to_the_households_locality_team(store, audited, policy):
    decision = audited(build_referral(parent(), child(), referral_id="TO-MAST"))  # S5 7AU: north
    Cases(store).override(decision.decision_id, "mast", "known to the north team", "a.patel", policy)
    assert Cases(store).team_load() == {"mast/north": 1}
    assert [(case.team, case.overridden) for case in Cases(store).queue()] == [("mast/north", True)]


def test_a_second_override_records_the_route_it_moved_from(store, audited, policy):
    decision = audited(build_referral(parent(), child(), referral_id="TWICE"))
    Cases(store).override(decision.decision_id, "mast", "first", "a.patel", policy)
    second = Cases(store).override(decision.decision_id, "bsf", "second", "a.patel", policy)
    assert (second.previous_route, second.route, second.locality) == ("mast", "bsf", None)  # BSF is city-wide


def test_a_closed_case_leaves_the_queue_and_the_team_load(store, audited):
    kept = audited(build_referral(parent(), child(school={"attendance_pct": 80}), referral_id="KEPT"))
    done = audited(build_referral(parent(), child(school={"attendance_pct": 80}), referral_id="DONE"))
    Cases(store).close(done.decision_id, "the family is with MAST", "a.patel")
    assert [case.decision.decision_id for case in Cases(store).queue()] == [kept.decision_id]
    assert sum(Cases(store).team_load().values()) == 1
    assert [event.kind for event in store.queries.history(done.decision_id)] == ["decision", "closed"]
    assert store.log.verify().ok


def test_a_closed_case_is_not_overridden(store, audited, policy):
    decision = audited(build_referral(parent(), child(), referral_id="SHUT"))
    Cases(store).close(decision.decision_id, "nothing more needed", "a.patel")
    with pytest.raises(CaseClosed):
        Cases(store).override(decision.decision_id, "mast", "too late", "a.patel", policy)
    assert [event.kind for event in store.queries.history(decision.decision_id)] == ["decision", "closed"]


def test_an_index_row_for_an_event_not_in_the_chain_fails_verify(store, audited, tamperer):
    """Added by someone who also dropped the foreign key (SQLite does not enforce it at all)."""
    audited(build_referral(*FAMILY))
    if store.db.dialect.name == "postgresql":
        with store.db.connect() as conn:
            [key] = conn.execute(
                text("SELECT conname FROM pg_constraint WHERE contype = 'f' AND conrelid = 'audit_decisions'::regclass")
            ).scalars()
        tamperer(f'ALTER TABLE audit_decisions DROP CONSTRAINT "{key}"')
    tamperer(
        "INSERT INTO audit_decisions (decision_id, seq, caller, referral_id, route, locality, priority, "
        "respond_by, decided_at) SELECT 'forged', 999, 'forger', referral_id, route, locality, priority, "
        "respond_by, decided_at FROM audit_decisions"
    )
    result = store.log.verify()
    assert (result.ok, result.first_bad_seq) == (False, 999)
    assert result.problem == "the decisions index lists a decision that is not in the chain"

"""Tamper evidence against someone with write access to the database (triggers dropped).

Each attack the outside tester made, and ``verify`` (or loading the archive) catching it: edits of
what the chain only references, and, with a checkpoint written outside the database, cutting the
end off the log or rewriting it with fresh hashes.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from triage.audit import ArchiveTampered
from triage.audit.canonical import canonical, link_hash
from triage.audit.checkpoints import read_checkpoints, write_checkpoint
from triage.audit.events import Recording
from triage.audit.store import AuditStore
from triage.engine import Engine
from triage.intake import parse_referral

from support import build_referral, child, parent

FAMILY = (parent(employment={"out_of_work_benefits": True}), child(school={"attendance_pct": 80.0}))
KEY = b"k" * 64


@pytest.fixture
def ten(store, audited) -> AuditStore:
    """A log of ten decisions."""
    for n in range(10):
        audited(build_referral(*FAMILY, referral_id=f"T-{n}"))
    return store


def _checkpoint(store: AuditStore, folder: Path) -> list:
    write_checkpoint(folder, KEY, *store.log.head(), datetime.now(UTC))
    return read_checkpoints(folder, KEY)


def _rewrite_from(store: AuditStore, tamperer, seq: int, route: str) -> None:
    """Edit event ``seq``'s content and recompute its hash and every later one: the chain itself
    then verifies, as a careful tamperer would leave it."""
    with store.db.connect() as conn:
        rows = conn.exec_driver_sql(
            f"SELECT seq, content, prev_hash FROM audit_events WHERE seq >= {seq} ORDER BY seq"
        ).all()
    tamperer(
        "UPDATE audit_events SET prev_hash = 'x' || substr(prev_hash, 2), hash = 'x' || substr(hash, 2) WHERE seq >= :s",
        s=seq,
    )
    prev = rows[0].prev_hash
    for row in rows:
        content = json.loads(row.content)
        if row.seq == seq:
            content["body"]["decision"]["route"] = route
        text = canonical(content)
        digest = link_hash(prev, text)
        tamperer(
            "UPDATE audit_events SET content = :c, prev_hash = :p, hash = :h WHERE seq = :s",
            c=text,
            p=prev,
            h=digest,
            s=row.seq,
        )
        prev = digest
    tamperer("UPDATE audit_decisions SET route = :r WHERE seq = :s", r=route, s=seq)


def test_an_edited_referral_payload_is_found(ten, tamperer):
    sha = list(ten.queries.events())[3].body["payload_sha256"]
    tamperer("UPDATE audit_payloads SET body = replace(body, '80.0', '95.0') WHERE sha256 = :s", s=sha)
    result = ten.log.verify()
    assert (result.ok, "referral payload does not match its hash" in result.problem) == (False, True)


def test_an_edited_personal_part_is_found_naming_its_event(ten, tamperer):
    event = [e for e in ten.queries.events()][4]
    tamperer(
        "UPDATE audit_payloads SET body = replace(body, 'attended', 'missed') WHERE body LIKE :id",
        id=f'%"event":"{event.decision_id}"%',
    )
    result = ten.log.verify()
    assert (result.ok, result.first_bad_seq) == (False, event.seq)
    assert "personal part does not match its hash" in result.problem


def test_a_payload_deleted_without_a_purge_is_found(ten, tamperer):
    event = list(ten.queries.events())[6]
    tamperer("DELETE FROM audit_payloads WHERE sha256 = :s", s=event.body["payload_sha256"])
    result = ten.log.verify()
    assert (result.ok, result.first_bad_seq) == (False, event.seq)
    assert "no recorded purge erased it" in result.problem


def test_an_edited_archived_ruleset_is_found_and_named_at_the_first_event_citing_it(ten, tamperer, policy):
    """The auditor is told which ruleset (its version and the start of its hash) and where the log
    first relies on it."""
    tamperer("UPDATE audit_rulesets SET content = replace(content, 'ge: 3', 'ge: 30')")
    result = ten.log.verify()
    assert (result.ok, result.first_bad_seq, result.problem) == (
        False,
        1,
        f"archived ruleset {policy.version} (sha256 {policy.sha256[:12]}…) does not match its hash (edited)",
    )


def test_an_edited_archived_ruleset_is_refused_when_loaded_naming_it(ten, tamperer, policy):
    """Tampered rules must never decide (a replay, a published version), and the operator is told which."""
    tamperer("UPDATE audit_rulesets SET content = replace(content, 'ge: 3', 'ge: 30')")
    with pytest.raises(ArchiveTampered) as refused:
        ten.archive.policy(policy.sha256)
    assert str(refused.value) == (
        f"archived ruleset {policy.version} does not match its hash (sha256 {policy.sha256[:12]}…): "
        "the archive was edited; run `triage audit verify`"
    )


def test_a_deleted_archived_ruleset_is_found(ten, tamperer):
    tamperer("DELETE FROM audit_rulesets")
    result = ten.log.verify()
    assert (result.ok, "missing from the archive" in result.problem) == (False, True)


def test_without_a_checkpoint_cutting_the_end_off_goes_unseen(ten, tamperer):
    """Why checkpoints exist: the chain alone cannot tell a shorter log from a cut one."""
    tamperer("DELETE FROM audit_decisions WHERE seq > 5")
    tamperer("DELETE FROM audit_events WHERE seq > 5")
    assert ten.log.verify().ok


def test_the_last_five_events_deleted_are_caught_by_a_checkpoint(ten, tamperer, tmp_path):
    heads = _checkpoint(ten, tmp_path)
    tamperer("DELETE FROM audit_decisions WHERE seq > 5")
    tamperer("DELETE FROM audit_events WHERE seq > 5")
    result = ten.log.verify(heads)
    assert (result.ok, result.first_bad_seq) == (False, 10)
    assert "events were deleted from the end" in result.problem


def test_of_several_checkpoints_beyond_the_cut_the_latest_is_named(ten, tamperer, tmp_path):
    eighth = next(e for e in ten.queries.events() if e.seq == 8)
    write_checkpoint(tmp_path, KEY, 8, eighth.hash, datetime.now(UTC))
    heads = _checkpoint(ten, tmp_path)
    tamperer("DELETE FROM audit_decisions WHERE seq > 5")
    tamperer("DELETE FROM audit_events WHERE seq > 5")
    assert ten.log.verify(heads).first_bad_seq == 10


def test_a_route_rewritten_with_every_later_hash_recomputed_is_caught_by_a_checkpoint(ten, tamperer, tmp_path):
    heads = _checkpoint(ten, tmp_path)
    _rewrite_from(ten, tamperer, 3, "universal_signpost")
    assert ten.log.verify().ok  # the chain alone holds together again
    result = ten.log.verify(heads)
    assert (result.ok, result.first_bad_seq) == (False, 10)
    assert "rewritten" in result.problem


def test_checkpoints_of_an_untouched_log_all_hold(ten, audited, tmp_path):
    _checkpoint(ten, tmp_path)
    audited(build_referral(*FAMILY, referral_id="T-later"))
    heads = _checkpoint(ten, tmp_path)
    result = ten.log.verify(heads)
    assert (result.ok, result.checkpoints) == (True, 2)


def test_a_published_ruleset_whose_archive_was_edited_is_never_installed(store, tamperer, policy):
    """The server installs published versions from the archive: an edited one must not decide."""
    store.archive.publish(policy, by="tests")
    tamperer("UPDATE audit_rulesets SET content = replace(content, 'ge: 3', 'ge: 30')")
    with pytest.raises(ArchiveTampered):
        store.archive.published()


def test_a_command_on_a_log_whose_published_ruleset_was_edited_stops_with_one_line(tmp_path, monkeypatch, policy):
    """Every command installs the published versions: an edited one stops it, never decides."""
    from typer.testing import CliRunner

    from triage.cli import app

    store = AuditStore(f"sqlite:///{tmp_path / 'audit.sqlite3'}")
    store.archive.publish(policy, by="tests")
    with store.db.begin() as conn:
        conn.exec_driver_sql("DROP TRIGGER audit_rulesets_no_update")
        conn.exec_driver_sql("UPDATE audit_rulesets SET content = replace(content, 'ge: 3', 'ge: 30')")
    monkeypatch.setenv("TRIAGE_AUDIT_DB", str(tmp_path / "audit.sqlite3"))
    result = CliRunner().invoke(app, ["rules", "show"])
    assert (result.exit_code, result.stderr.count("\n")) == (3, 1), result.output
    assert "does not match its hash" in result.stderr


def test_an_edited_personal_part_early_in_a_long_log_is_found(store, tamperer, policy):
    """``verify`` checks what the events reference a stretch at a time (each decision references
    two texts): an edit in the first stretch of a log of 600 decisions is found too."""
    engine = Engine(policy, "python")
    payloads = [build_referral(*FAMILY, referral_id=f"L-{n}") for n in range(600)]
    store.log.record(
        "tests",
        [
            Recording(data, data["referral_id"], engine.decide(parse_referral(data, engine.compiled.agencies)), policy)
            for data in payloads
        ],
    )
    first = next(e for e in store.queries.events() if e.kind == "decision")
    tamperer(
        "UPDATE audit_payloads SET body = replace(body, 'attended', 'missed') WHERE body LIKE :id",
        id=f'%"event":"{first.decision_id}"%',
    )
    result = store.log.verify()
    assert (result.ok, result.first_bad_seq) == (False, first.seq)


def test_a_deleted_archive_of_a_ruleset_only_loaded_is_found_at_its_load(store, tamperer, policy):
    """A ruleset that was loaded but decided nothing yet must still be archived."""
    [loaded] = store.archive.rulesets_in_use([policy], "tests")
    tamperer("DELETE FROM audit_rulesets")
    result = store.log.verify()
    assert (result.ok, result.first_bad_seq) == (False, loaded.seq)
    assert result.problem == f"cites ruleset sha256 {policy.sha256[:12]}…, which is missing from the archive (deleted)"

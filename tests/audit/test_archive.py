"""The ruleset archive (triage/audit/archive.py): rulesets kept by their hash, loads and publications
recorded, on SQLite and PostgreSQL.

Publishing's own checks (rule tests, coverage, invariants) and the command are in
``tests/test_publishing.py``; an archive edited behind the log's back in ``test_tamper_evidence.py``.
"""

from __future__ import annotations

import pytest

from triage.audit import RulesetConflict
from triage.rulebook import load_policy

from support import build_referral, child, parent

FAMILY = (parent(employment={"out_of_work_benefits": True}), child(school={"attendance_pct": 80.0}))


def test_a_ruleset_only_loaded_is_archived(store, policy):
    """A load cites the ruleset's hash before it has decided anything: its content must be there."""
    store.archive.rulesets_in_use([policy], "tests")
    assert [archived.sha256 for archived in store.archive.archived()] == [policy.sha256]


def test_a_publication_is_a_load_marked_published_with_who_and_when_it_is_in_force(store, policy):
    event = store.archive.publish(policy, "a.lead")
    assert (event.kind, event.body) == (
        "ruleset_loaded",
        {
            "version": policy.version,
            "sha256": policy.sha256,
            "by": "a.lead",
            "published": True,
            "effective_from": policy.rules.effective_from.isoformat(),
            "effective_to": None,
        },
    )


def test_publishing_the_same_content_again_records_nothing(store, policy):
    store.archive.publish(policy, "a.lead")
    assert store.archive.publish(policy, "another.lead") is None


def test_a_published_version_given_other_content_is_refused_naming_what_was_published(store, policy, policy_copy):
    """Decisions cite the version: it must mean one ruleset."""
    store.archive.publish(policy, "a.lead")
    ruleset = policy_copy / "rules" / "ruleset.yaml"
    ruleset.write_text(ruleset.read_text().replace("Reference triage policy", "Edited triage policy", 1))
    with pytest.raises(RulesetConflict) as refused:
        store.archive.publish(load_policy(policy_copy), "a.lead")
    assert str(refused.value) == (
        f"version {policy.version} was published before with other content "
        f"(sha256 {policy.sha256[:12]}…); give the change a new version"
    )


def test_the_published_versions_load_back_from_the_archive(store, policy):
    store.archive.rulesets_in_use([policy], "tests")  # loaded, not published: not listed
    assert store.archive.published() == []
    store.archive.publish(policy, "a.lead")
    assert [published.sha256 for published in store.archive.published()] == [policy.sha256]


def test_a_log_without_a_ruleset_load_has_no_latest_load(store):
    assert store.archive.latest_load() == 0


def test_the_latest_load_is_the_last_load_not_the_last_event(store, policy, audited):
    """What servers compare to notice a publication: decisions recorded since must not look like one."""
    [loaded] = store.archive.rulesets_in_use([policy], "tests")
    audited(build_referral(*FAMILY))
    assert store.archive.latest_load() == loaded.seq

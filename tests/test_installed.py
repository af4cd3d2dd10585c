"""The rulesets an instance decides with: its folders' and every version published to its log."""

from __future__ import annotations

from pathlib import Path

from triage.installed import installed
from triage.publishing import publish
from triage.rulebook import load_policy

EXAMPLE_2026_2 = Path(__file__).resolve().parents[1] / "examples" / "policies" / "2026.2"


def test_an_instance_installs_its_folders_and_every_published_version(store):
    publish(store, load_policy(EXAMPLE_2026_2), "policy-lead", "python")
    assert installed([None], store, "python").versions() == ["2026.1", "2026.2"]


def test_without_a_log_only_the_folders_are_installed():
    assert installed([None], None, "python").versions() == ["2026.1"]

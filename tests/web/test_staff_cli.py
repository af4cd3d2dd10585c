"""triage staff create|list|disable."""

from __future__ import annotations

from typer.testing import CliRunner

from triage.audit.store import AuditStore
from triage.cli import app


def _staff(tmp_path, monkeypatch, *args, stdin=None):
    monkeypatch.delenv("TRIAGE_DATABASE_URL", raising=False)
    monkeypatch.setenv("TRIAGE_AUDIT_DB", str(tmp_path / "staff.sqlite3"))
    return CliRunner().invoke(app, ["staff", *args], input=stdin)


def test_an_account_is_created_with_the_password_from_stdin_and_listed(tmp_path, monkeypatch):
    created = _staff(
        tmp_path,
        monkeypatch,
        "create",
        "--username",
        "a.patel",
        "--name",
        "A. Patel",
        "--role",
        "front_door",
        "--password-stdin",
        stdin="correct horse battery\n",
    )
    listed = _staff(tmp_path, monkeypatch, "list")
    assert (created.exit_code, "a.patel" in listed.output, "correct horse" in listed.output) == (0, True, False)


def test_a_short_password_is_refused_naming_the_field(tmp_path, monkeypatch):
    result = _staff(
        tmp_path,
        monkeypatch,
        "create",
        "--username",
        "a.patel",
        "--name",
        "A. Patel",
        "--role",
        "auditor",
        "--password-stdin",
        stdin="short\n",
    )
    assert (result.exit_code, "--password: at least 12 characters" in result.output) == (2, True)


def test_the_password_is_asked_for_twice_when_not_piped(tmp_path, monkeypatch):
    result = _staff(
        tmp_path,
        monkeypatch,
        "create",
        "--username",
        "a.patel",
        "--name",
        "A. Patel",
        "--role",
        "policy_lead",
        stdin="correct horse battery\ncorrect horse battery\n",
    )
    assert (result.exit_code, result.output.count("Password")) == (0, 1)  # the prompt, then "Repeat for confirmation"


def test_disabling_an_unknown_account_says_so(tmp_path, monkeypatch):
    AuditStore(f"sqlite:///{tmp_path / 'staff.sqlite3'}").db.dispose()  # a log, without that account
    result = _staff(tmp_path, monkeypatch, "disable", "nobody")
    assert (result.exit_code, "no account 'nobody'" in result.output) == (2, True)


def test_a_name_with_a_control_character_is_refused_naming_the_field(tmp_path, monkeypatch):
    """The name is recorded with every override the person makes."""
    result = _staff(
        tmp_path,
        monkeypatch,
        "create",
        "--username",
        "a.patel",
        "--name",
        "A.\x1b[31mPatel",
        "--role",
        "front_door",
        "--password-stdin",
        stdin="correct horse battery\n",
    )
    assert (
        result.exit_code,
        "--name: must not contain control characters or unpaired surrogates" in result.output,
    ) == (2, True)

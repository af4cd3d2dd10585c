"""The ``triage`` command line: decide, batch, validate, rules show, and its log events.

Uses ``typer.testing.CliRunner``. The installed typer (0.29, with its own copy of click) keeps
stdout and stderr apart (``result.stdout`` / ``result.stderr``; there is no ``mix_stderr`` option),
so the tests check what goes to each stream.

Logging: ``configure_logging`` binds structlog's printer to the ``sys.stderr`` of the moment and
caches the engine's logger on first use. In a real process there is one invocation, so that is
the right stream; here every ``runner.invoke`` swaps ``sys.stderr`` for a fresh buffer. ``invoke``
below therefore gives the engine a fresh logger before each call, so each invocation logs to its own
stderr, as it would in its own process. ``test_two_invocations_in_one_process_both_succeed`` checks
the behaviour without that help.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import structlog
import yaml
from typer.testing import CliRunner, Result

import triage.cli.decisions
import triage.engine
from triage.cli import app

# SPEC_EXAMPLE: the contract's example referral; ROUTING_RULE_IDS: policy §4, in order.
from support import ROUTING_RULE_IDS, SPEC_EXAMPLE

# What the policy says for SPEC_EXAMPLE: school_attendance (82.5% <= 90), worklessness_finance
# (benefits, rent arrears), health (mental health) -> 3 problems -> bsf, high, 5 working days
# after Friday 20 November 2026.
SPEC_DECISION = {
    "route": "bsf",
    "locality": None,
    "priority": "high",
    "respond_by": "2026-11-27",
    "problems": ["school_attendance", "worklessness_finance", "health"],
    "need_score": 30,
    "also_refer": [],
    "matched_rule": "bsf_intensive",
}

CONTRACT_FIELDS = {
    "decision_id",
    "referral_id",
    "route",
    "locality",
    "priority",
    "respond_by",
    "problems",
    "need_score",
    "also_refer",
    "matched_rule",
    "reasons",
    "evidence",
    "ruleset",
    "decided_at",
}

runner = CliRunner()


def invoke(*args: str) -> Result:
    """Run the CLI as its own process would: with a logger that has not yet been bound to a stream."""
    triage.engine.log = structlog.get_logger("triage.engine")
    return runner.invoke(app, [str(a) for a in args])


@pytest.fixture(autouse=True)
def _restore_logging(monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setattr(triage.engine, "log", triage.engine.log)  # restored after the test
    yield
    structlog.reset_defaults()  # never leave structlog printing to a CliRunner buffer that is closed


def write_json(path: Path, data: Any) -> Path:
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


@pytest.fixture
def spec_file(tmp_path: Path) -> Path:
    return write_json(tmp_path / "referral.json", SPEC_EXAMPLE)


def decision_of(result: Result) -> dict[str, Any]:
    assert result.exit_code == 0, result.stderr
    decision: dict[str, Any] = json.loads(result.stdout)
    return decision


def log_events(stderr: str, event: str = "decision") -> list[dict[str, Any]]:
    events = []
    for line in stderr.splitlines():
        try:
            record = json.loads(line)
        except json.JSONDecodeError:
            continue
        if isinstance(record, dict) and record.get("event") == event:
            events.append(record)
    return events


def summary_of(decision: dict[str, Any]) -> dict[str, Any]:
    return {key: decision[key] for key in SPEC_DECISION}


# --- decide -----------------------------------------------------------------------------------


def test_decide_exits_zero(spec_file: Path) -> None:
    assert invoke("decide", spec_file).exit_code == 0


def test_decide_prints_a_json_decision_with_every_contract_field(spec_file: Path) -> None:
    assert CONTRACT_FIELDS <= set(decision_of(invoke("decide", spec_file)))


def test_decide_decides_the_spec_example_per_policy(spec_file: Path) -> None:
    assert summary_of(decision_of(invoke("decide", spec_file))) == SPEC_DECISION


def test_decide_keeps_the_referral_id(spec_file: Path) -> None:
    assert decision_of(invoke("decide", spec_file))["referral_id"] == "R-2026-000123"


def test_decide_cites_the_ruleset_version(spec_file: Path) -> None:
    assert decision_of(invoke("decide", spec_file))["ruleset"]["version"] == "2026.1"


def test_decide_stdout_is_only_the_decision(spec_file: Path) -> None:
    """Log lines go to stderr, so stdout can be piped straight into another tool."""
    result = invoke("decide", spec_file)
    assert isinstance(json.loads(result.stdout), dict) and '"event"' not in result.stdout


def test_explain_prints_a_readable_report_with_the_route(spec_file: Path) -> None:
    result = invoke("decide", spec_file, "--explain")
    assert result.exit_code == 0 and "[bsf]" in result.stdout and "bsf_intensive" in result.stdout


def test_explain_is_not_json(spec_file: Path) -> None:
    with pytest.raises(json.JSONDecodeError):
        json.loads(invoke("decide", spec_file, "--explain").stdout)


def test_explain_includes_every_reason(spec_file: Path) -> None:
    reasons = decision_of(invoke("decide", spec_file))["reasons"]
    report = invoke("decide", spec_file, "--explain").stdout
    assert reasons and all(reason in report for reason in reasons)


def test_explain_names_each_member_in_the_evidence_never_by_id_alone(tmp_path: Path) -> None:
    named = json.loads(Path("examples/bsf_three_problems.json").read_text(encoding="utf-8"))
    path = tmp_path / "named.json"
    path.write_text(json.dumps(named), encoding="utf-8")
    evidence = invoke("decide", path, "--explain").stdout.split("Evidence:")[1]
    assert "persistent_absence: Jayden (age 14) = 78.0" in evidence and ": c1 =" not in evidence


def test_explain_names_an_unnamed_member_by_role_and_age(spec_file: Path) -> None:
    evidence = invoke("decide", spec_file, "--explain").stdout.split("Evidence:")[1]
    assert "persistent_absence: Child c1 (age 12) = 82.5" in evidence


def test_explain_shows_priority_and_respond_by(spec_file: Path) -> None:
    report = invoke("decide", spec_file, "--explain").stdout
    assert "high" in report and "2026-11-27" in report


@pytest.mark.parametrize("suffix", [".yaml", ".yml"])
def test_decide_reads_yaml(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"referral{suffix}"
    path.write_text(yaml.safe_dump(SPEC_EXAMPLE, sort_keys=False), encoding="utf-8")
    assert summary_of(decision_of(invoke("decide", path))) == SPEC_DECISION


def test_decide_reads_hand_written_yaml_with_comments(tmp_path: Path) -> None:
    path = tmp_path / "referral.yaml"
    path.write_text(
        "# a hand-written referral\n"
        "referral_id: R-Y-1\n"
        "received_at: '2026-11-20T10:15:00Z'\n"
        "referrer: {agency: school}\n"
        "consent: {given: true}\n"
        "household:\n"
        "  postcode: S10 5NG  # west\n"
        "  members:\n"
        "    - {id: p1, role: parent_carer, age: 40}\n"
        "    - {id: c1, role: child, age: 13, school: {attendance_pct: 90.0}}\n",
        encoding="utf-8",
    )
    decision = decision_of(invoke("decide", path))
    assert (decision["route"], decision["locality"]) == ("mast", "west")


def test_invalid_referral_exits_2(tmp_path: Path) -> None:
    data = json.loads(json.dumps(SPEC_EXAMPLE))
    data["household"]["members"][1]["school"]["attendance_pct"] = 100.5
    assert invoke("decide", write_json(tmp_path / "bad.json", data)).exit_code == 2


def test_invalid_referral_names_every_bad_field_on_stderr(tmp_path: Path) -> None:
    data = json.loads(json.dumps(SPEC_EXAMPLE))
    data["household"]["members"][1]["school"]["attendance_pct"] = 100.5
    data["household"]["members"][0]["age"] = "34"
    data["household"]["members"][0]["health"]["mental_health"] = True
    data["urgency"] = "high"
    result = invoke("decide", write_json(tmp_path / "bad.json", data))
    for path in [
        "household.members[1].school.attendance_pct",
        "household.members[0].age",
        "household.members[0].health.mental_health",
        "urgency",
    ]:
        assert path in result.stderr, path


def test_invalid_referral_prints_no_decision(tmp_path: Path) -> None:
    data = json.loads(json.dumps(SPEC_EXAMPLE))
    data["household"]["members"][1]["age"] = 18
    result = invoke("decide", write_json(tmp_path / "bad.json", data))
    assert (result.exit_code, result.stdout, log_events(result.stderr)) == (2, "", [])


def test_child_aged_18_is_named_with_under_18(tmp_path: Path) -> None:
    data = json.loads(json.dumps(SPEC_EXAMPLE))
    data["household"]["members"][1]["age"] = 18
    result = invoke("decide", write_json(tmp_path / "bad.json", data))
    assert "household.members[1].age" in result.stderr and "under 18" in result.stderr


def test_invalid_referral_error_does_not_echo_the_narrative(tmp_path: Path) -> None:
    data = json.loads(json.dumps(SPEC_EXAMPLE))
    data["narrative"] = "Fictional sensitive words " * 1000
    result = invoke("decide", write_json(tmp_path / "bad.json", data))
    assert result.exit_code == 2 and "sensitive" not in result.stderr


@pytest.mark.parametrize(
    "text", ['{"referral_id": "R-1", ', "not json at all", ""], ids=["truncated", "prose", "empty"]
)
def test_malformed_json_exits_2(tmp_path: Path, text: str) -> None:
    path = tmp_path / "broken.json"
    path.write_text(text, encoding="utf-8")
    result = invoke("decide", path)
    assert (result.exit_code, "not valid JSON" in result.stderr, result.stdout) == (2, True, "")


def test_malformed_yaml_exits_2(tmp_path: Path) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text("referral_id: [R-1\nreceived_at: x\n", encoding="utf-8")
    result = invoke("decide", path)
    assert (result.exit_code, "not valid YAML" in result.stderr) == (2, True)


def test_decide_refuses_a_duplicate_key_naming_it(tmp_path: Path) -> None:
    path = tmp_path / "twice.json"
    text = json.dumps(SPEC_EXAMPLE).replace('"consent": {"given": true', '"consent": {"given": false, "given": true')
    path.write_text(text, encoding="utf-8")
    result = invoke("decide", path)
    assert (result.exit_code, "consent.given: duplicate key" in result.stderr, result.stdout) == (2, True, "")


def test_decide_refuses_a_file_that_is_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "scan.json"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\xff\xfe")
    result = invoke("decide", path)
    assert (result.exit_code, "not valid UTF-8" in result.stderr, result.stdout) == (2, True, "")


def test_decide_accepts_a_utf8_byte_order_mark(tmp_path: Path) -> None:
    """Windows editors save UTF-8 with a BOM; the referral inside is still valid."""
    path = tmp_path / "bom.json"
    path.write_bytes(b"\xef\xbb\xbf" + json.dumps(SPEC_EXAMPLE).encode("utf-8"))
    assert summary_of(decision_of(invoke("decide", path))) == SPEC_DECISION


def test_json_array_exits_2(tmp_path: Path) -> None:
    result = invoke("decide", write_json(tmp_path / "list.json", [SPEC_EXAMPLE]))
    assert result.exit_code == 2 and "object" in result.stderr


def test_missing_file_is_refused(tmp_path: Path) -> None:
    assert invoke("decide", tmp_path / "nowhere.json").exit_code == 2


def test_engine_python_works(spec_file: Path) -> None:
    assert summary_of(decision_of(invoke("decide", spec_file, "--engine", "python"))) == SPEC_DECISION


def test_engine_durable_works(spec_file: Path) -> None:
    assert summary_of(decision_of(invoke("decide", spec_file, "--engine", "durable"))) == SPEC_DECISION


def test_unknown_engine_is_refused(spec_file: Path) -> None:
    result = invoke("decide", spec_file, "--engine", "nope")
    assert result.exit_code == 2 and result.stdout == ""


def test_unknown_engine_error_names_the_choices(spec_file: Path) -> None:
    stderr = invoke("decide", spec_file, "--engine", "nope").stderr
    assert "nope" in stderr and "durable" in stderr and "python" in stderr


def test_rules_option_with_a_good_copy_decides_the_same(spec_file: Path, policy_copy: Path) -> None:
    assert summary_of(decision_of(invoke("decide", spec_file, "--rules", policy_copy))) == SPEC_DECISION


def break_routing(policy_copy: Path, edit: Callable[[Path, Callable[[Any], None]], None]) -> None:
    def change(data: Any) -> None:
        next(rule for rule in data["routing"] if rule["id"] == "bsf_intensive")["route"] = "bsff"

    edit(policy_copy / "rules" / "routing.yaml", change)


def test_rules_option_with_a_broken_copy_exits_non_zero(spec_file: Path, policy_copy: Path, edit: Any) -> None:
    break_routing(policy_copy, edit)
    result = invoke("decide", spec_file, "--rules", policy_copy)
    assert result.exit_code != 0 and result.stdout == ""


def test_rules_option_with_a_broken_copy_names_the_file(spec_file: Path, policy_copy: Path, edit: Any) -> None:
    break_routing(policy_copy, edit)
    stderr = invoke("decide", spec_file, "--rules", policy_copy).stderr
    assert "rules/routing.yaml" in stderr and "bsff" in stderr


def test_rules_option_with_a_yaml_syntax_error_names_the_file(spec_file: Path, policy_copy: Path) -> None:
    with (policy_copy / "rules" / "problems.yaml").open("a", encoding="utf-8") as f:
        f.write("\nextra: [\n")
    result = invoke("decide", spec_file, "--rules", policy_copy)
    assert result.exit_code != 0 and "rules/problems.yaml" in result.stderr


# --- logs -------------------------------------------------------------------------------------

PERSONAL = dict(
    referral_id="R-LOG-1",
    narrative="Fictional narrative: the quokka incident at the allotment",
    members=[
        {
            "id": "adult-zx81",
            "role": "parent_carer",
            "age": 47,
            "employment": {"out_of_work_benefits": True},
            "domestic_abuse": {"victim_12m": True},
        },
        {
            "id": "kid-qw93",
            "role": "child",
            "age": 13,
            "school": {"attendance_pct": 61.5},
            "health": {"mental_health_concern": True},
        },
    ],
)


@pytest.fixture
def personal_file(tmp_path: Path) -> Path:
    data = json.loads(json.dumps(SPEC_EXAMPLE))
    data["referral_id"] = PERSONAL["referral_id"]
    data["narrative"] = PERSONAL["narrative"]
    data["household"]["members"] = PERSONAL["members"]
    data["household"]["postcode"] = "S6 4QZ"
    return write_json(tmp_path / "personal.json", data)


@pytest.fixture
def decision_event(personal_file: Path) -> dict[str, Any]:
    result = invoke("decide", personal_file)
    assert result.exit_code == 0, result.stderr
    (event,) = log_events(result.stderr)
    return event


def test_one_log_event_per_decision(personal_file: Path) -> None:
    assert len(log_events(invoke("decide", personal_file).stderr)) == 1


@pytest.mark.parametrize("key", ["referral_id", "route", "matched_rule", "ruleset_version", "duration_ms"])
def test_log_event_has(decision_event: dict[str, Any], key: str) -> None:
    assert key in decision_event


def test_log_event_values_match_the_decision(personal_file: Path) -> None:
    result = invoke("decide", personal_file)
    decision = json.loads(result.stdout)
    (event,) = log_events(result.stderr)
    assert (event["referral_id"], event["route"], event["matched_rule"], event["ruleset_version"]) == (
        decision["referral_id"],
        decision["route"],
        decision["matched_rule"],
        decision["ruleset"]["version"],
    )


def test_log_event_duration_is_a_non_negative_number(decision_event: dict[str, Any]) -> None:
    assert isinstance(decision_event["duration_ms"], (int, float)) and decision_event["duration_ms"] >= 0


@pytest.mark.parametrize(
    "key",
    [
        "age",
        "ages",
        "members",
        "member",
        "narrative",
        "evidence",
        "reasons",
        "postcode",
        "household",
        "problems",
        "flags",
        "referrer",
        "name",
    ],
)
def test_log_event_has_no_personal_field(decision_event: dict[str, Any], key: str) -> None:
    assert key not in decision_event


@pytest.mark.parametrize(
    "text",
    [
        "quokka",
        "allotment",
        "adult-zx81",
        "kid-qw93",
        "S6 4QZ",
        "61.5",
        "victim",
        "mental_health",
        "out_of_work",
        "attendance",
    ],
)
def test_log_line_does_not_contain(personal_file: Path, text: str) -> None:
    stderr = invoke("decide", personal_file).stderr
    (line,) = [line for line in stderr.splitlines() if '"decision"' in line]
    assert text not in line


@pytest.mark.parametrize("age", [47, 13])
def test_log_event_has_no_age_value(decision_event: dict[str, Any], age: int) -> None:
    assert age not in [
        value for value in decision_event.values() if isinstance(value, int) and not isinstance(value, bool)
    ]


def test_two_invocations_in_one_process_both_succeed(spec_file: Path) -> None:
    """Deciding twice in one process (a test run, an embedding service) must not lose the second decision.

    Without a fresh logger per call, the engine's cached logger still writes to the first
    invocation's stderr, which is closed by then.
    """
    first = runner.invoke(app, ["decide", str(spec_file)])
    second = runner.invoke(app, ["decide", str(spec_file)])
    assert (first.exit_code, second.exit_code) == (0, 0), repr(second.exception)


# --- batch ------------------------------------------------------------------------------------


def referral_line(referral_id: str, **changes: Any) -> str:
    data = json.loads(json.dumps(SPEC_EXAMPLE))
    data["referral_id"] = referral_id
    data.update(changes)
    return json.dumps(data)


def bad_field_line(referral_id: str) -> str:
    data = json.loads(json.dumps(SPEC_EXAMPLE))
    data["referral_id"] = referral_id
    data["household"]["members"][1]["age"] = 19
    data["household"]["members"][1]["school"]["attendence_pct"] = 50
    return json.dumps(data)


BATCH_LINES = [
    '{"referral_id": "B-BROKEN", "received_at": ',  # 1 malformed JSON, first line
    referral_line("B-2"),  # 2 bsf
    bad_field_line("B-3"),  # 3 child aged 19 + unknown field
    referral_line("B-4", consent={"given": False}),  # 4 consent_required
    "",  # 5 blank line
    "[1, 2, 3]",  # 6 not an object
    referral_line("B-7", household={**SPEC_EXAMPLE["household"], "postcode": "LS1 4AP"}),  # 7 out_of_area
    referral_line("B-8"),  # 8 bsf
    '{"referral_id": "B-9"}',  # 9 valid JSON, missing fields
]
BATCH_ERRORS = {1: None, 3: "B-3", 5: None, 6: None, 9: "B-9"}
BATCH_ROUTES = {2: "bsf", 4: "consent_required", 7: "out_of_area", 8: "bsf"}


@pytest.fixture
def batch_files(tmp_path: Path) -> tuple[Path, Path]:
    source = tmp_path / "in.jsonl"
    source.write_text("\n".join(BATCH_LINES) + "\n", encoding="utf-8")
    return source, tmp_path / "out.jsonl"


@pytest.fixture(params=["durable", "python"])
def batch_run(request: pytest.FixtureRequest, batch_files: tuple[Path, Path]) -> tuple[Result, list[dict[str, Any]]]:
    source, output = batch_files
    result = invoke("batch", source, "-o", output, "--engine", request.param)
    records = [json.loads(line) for line in output.read_text(encoding="utf-8").splitlines()] if output.exists() else []
    return result, records


def test_batch_exits_zero_despite_bad_lines(batch_run: tuple[Result, list[dict[str, Any]]]) -> None:
    result, _ = batch_run
    assert result.exit_code == 0, result.stderr


def test_batch_writes_one_line_per_input_line(batch_run: tuple[Result, list[dict[str, Any]]]) -> None:
    assert len(batch_run[1]) == len(BATCH_LINES)


def test_batch_keeps_the_input_order(batch_run: tuple[Result, list[dict[str, Any]]]) -> None:
    decided = [(n, r["referral_id"]) for n, r in enumerate(batch_run[1], start=1) if "error" not in r]
    assert decided == [(2, "B-2"), (4, "B-4"), (7, "B-7"), (8, "B-8")]


def test_batch_decides_the_valid_lines(batch_run: tuple[Result, list[dict[str, Any]]]) -> None:
    routes = {n: r["route"] for n, r in enumerate(batch_run[1], start=1) if "route" in r}
    assert routes == BATCH_ROUTES


def test_batch_error_records_say_line_and_referral_id(batch_run: tuple[Result, list[dict[str, Any]]]) -> None:
    errors = {r["line"]: r["referral_id"] for r in batch_run[1] if "error" in r}
    assert errors == BATCH_ERRORS


def test_batch_error_record_is_at_its_own_line(batch_run: tuple[Result, list[dict[str, Any]]]) -> None:
    assert all(r["line"] == n for n, r in enumerate(batch_run[1], start=1) if "error" in r)


def test_batch_error_record_shape(batch_run: tuple[Result, list[dict[str, Any]]]) -> None:
    record = batch_run[1][2]
    assert {"line", "referral_id", "error"} <= set(record) and "route" not in record


def test_batch_error_names_each_bad_field(batch_run: tuple[Result, list[dict[str, Any]]]) -> None:
    error = batch_run[1][2]["error"]
    assert "household.members[1].age" in error and "household.members[1].school.attendence_pct" in error


def test_batch_malformed_line_error_says_json(batch_run: tuple[Result, list[dict[str, Any]]]) -> None:
    assert "not valid JSON" in batch_run[1][0]["error"]


def test_batch_summary_counts_routes_on_stderr(batch_run: tuple[Result, list[dict[str, Any]]]) -> None:
    stderr = batch_run[0].stderr
    assert all(part in stderr for part in ["bsf: 2", "consent_required: 1", "out_of_area: 1", "(invalid): 5"])


def test_batch_summary_counts_all_lines(batch_run: tuple[Result, list[dict[str, Any]]]) -> None:
    assert f"{len(BATCH_LINES)} lines" in batch_run[0].stderr


def test_batch_summary_is_not_in_the_output_file(batch_files: tuple[Path, Path]) -> None:
    source, output = batch_files
    invoke("batch", source, "-o", output, "--engine", "python")
    assert all(line.startswith("{") for line in output.read_text(encoding="utf-8").splitlines())


def test_batch_logs_one_event_per_decision(batch_run: tuple[Result, list[dict[str, Any]]]) -> None:
    assert sorted(e["referral_id"] for e in log_events(batch_run[0].stderr)) == ["B-2", "B-4", "B-7", "B-8"]


def test_batch_with_only_bad_lines_still_writes_every_line(tmp_path: Path) -> None:
    source, output = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    source.write_text("{\nnope\n{}\n", encoding="utf-8")
    result = invoke("batch", source, "-o", output)
    assert (result.exit_code, [json.loads(x)["line"] for x in output.read_text().splitlines()]) == (0, [1, 2, 3])


def test_batch_refuses_to_write_over_its_input(batch_files: tuple[Path, Path]) -> None:
    """Opening the output for writing would empty the input before a line was read."""
    source, _ = batch_files
    before = source.read_bytes()
    result = invoke("batch", source, "-o", source)
    assert (result.exit_code, "input" in result.stderr, source.read_bytes() == before) == (2, True, True)


def test_batch_refuses_an_output_that_links_to_its_input(batch_files: tuple[Path, Path]) -> None:
    source, output = batch_files
    output.symlink_to(source)
    before = source.read_bytes()
    assert (invoke("batch", source, "-o", output).exit_code, source.read_bytes() == before) == (2, True)


def test_batch_crash_leaves_the_old_output_whole(
    batch_files: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The output appears only once complete: never half a file, never a stray temporary one."""
    source, output = batch_files
    output.write_text("previous run\n", encoding="utf-8")

    def crash_on_line_3(number: int, raw: bytes) -> Any:
        if number == 3:
            raise RuntimeError("simulated crash")
        return {}

    monkeypatch.setattr(triage.cli.decisions, "_read_line", crash_on_line_3)
    result = invoke("batch", source, "-o", output)
    assert result.exit_code != 0 and output.read_text(encoding="utf-8") == "previous run\n"
    assert sorted(p.name for p in output.parent.iterdir()) == sorted([source.name, output.name])


def test_batch_keeps_an_existing_outputs_permissions(batch_files: tuple[Path, Path]) -> None:
    source, output = batch_files
    output.write_text("", encoding="utf-8")
    output.chmod(0o640)
    assert invoke("batch", source, "-o", output).exit_code == 0 and (output.stat().st_mode & 0o777) == 0o640


def test_batch_output_in_a_missing_folder_is_refused(batch_files: tuple[Path, Path]) -> None:
    result = invoke("batch", batch_files[0], "-o", batch_files[1].parent / "nowhere" / "out.jsonl")
    assert (result.exit_code, "nowhere" in result.stderr, ".partial" in result.stderr) == (2, True, False)


def test_batch_reads_standard_input(tmp_path: Path) -> None:
    """``batch /dev/stdin``: a pipe can be read once only, so nothing may read it ahead to count lines."""
    output = tmp_path / "out.jsonl"
    lines = "\n".join([referral_line("S-1"), referral_line("S-2")]) + "\n"
    result = subprocess.run(
        [sys.executable, "-m", "triage.cli", "batch", "/dev/stdin", "-o", str(output), "--engine", "python"],
        input=lines,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert [json.loads(line)["referral_id"] for line in output.read_text(encoding="utf-8").splitlines()] == [
        "S-1",
        "S-2",
    ]


def run_batch_bytes(tmp_path: Path, content: bytes) -> tuple[Result, list[dict[str, Any]]]:
    source, output = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    source.write_bytes(content)
    result = invoke("batch", source, "-o", output, "--engine", "python")
    return result, [
        json.loads(line) for line in output.read_text(encoding="utf-8").splitlines()
    ] if output.exists() else []


def test_batch_line_not_utf8_gets_an_error_record_and_the_run_goes_on(tmp_path: Path) -> None:
    content = (
        (referral_line("U-1") + "\n").encode()
        + b'{"referral_id": "U-2", "narrative": "caf\xe9"}\n'
        + (referral_line("U-3") + "\n").encode()
    )
    result, records = run_batch_bytes(tmp_path, content)
    assert result.exit_code == 0, result.stderr
    assert [r.get("route") or r["error"] for r in records] == ["bsf", "line is not valid UTF-8", "bsf"]


def test_batch_accepts_a_byte_order_mark_on_the_first_line(tmp_path: Path) -> None:
    _, records = run_batch_bytes(tmp_path, b"\xef\xbb\xbf" + (referral_line("M-1") + "\n").encode())
    assert [r.get("route") for r in records] == ["bsf"]


def test_batch_unexpected_failure_gets_an_error_record_and_the_run_goes_on(
    batch_files: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A bug on one line must cost that line only; the record names the failure, never its message (it may quote data)."""
    real_decide = triage.engine.Engine.decide

    def decide(self: Any, referral: Any) -> Any:
        if referral.referral_id == "B-2":
            raise OverflowError("date value out of range for the quokka household")
        return real_decide(self, referral)

    monkeypatch.setattr(triage.engine.Engine, "decide", decide)
    source, output = batch_files
    result = invoke("batch", source, "-o", output, "--engine", "python")
    records = [json.loads(line) for line in output.read_text(encoding="utf-8").splitlines()]
    assert result.exit_code == 0 and len(records) == len(BATCH_LINES)
    assert records[1] == {"line": 2, "referral_id": "B-2", "error": "could not be decided: OverflowError", "errors": []}


def test_batch_goes_on_past_a_referral_received_in_year_9999(tmp_path: Path) -> None:
    content = "\n".join([referral_line("Y-1", received_at="9999-12-31T10:00:00Z"), referral_line("Y-2")]) + "\n"
    result, records = run_batch_bytes(tmp_path, content.encode())
    assert (result.exit_code, [r["referral_id"] for r in records], "error" in records[0]) == (0, ["Y-1", "Y-2"], True)


def test_batch_requires_an_output(batch_files: tuple[Path, Path]) -> None:
    assert invoke("batch", batch_files[0]).exit_code == 2


def test_batch_refuses_an_unknown_engine(batch_files: tuple[Path, Path]) -> None:
    source, output = batch_files
    assert invoke("batch", source, "-o", output, "--engine", "nope").exit_code == 2


# --- validate -----------------------------------------------------------------------------------


def test_validate_default_policy_is_ok() -> None:
    result = invoke("validate")
    assert result.exit_code == 0 and result.stdout.startswith("ok: ruleset 2026.1")


def test_validate_good_copy_is_ok(policy_copy: Path) -> None:
    assert invoke("validate", policy_copy).exit_code == 0


def test_validate_broken_copy_fails(policy_copy: Path, edit: Any) -> None:
    break_routing(policy_copy, edit)
    assert invoke("validate", policy_copy).exit_code != 0


def test_validate_broken_copy_names_file_line_and_key(policy_copy: Path, edit: Any) -> None:
    break_routing(policy_copy, edit)
    stderr = invoke("validate", policy_copy).stderr
    assert "rules/routing.yaml:" in stderr and "routing[5].route" in stderr


def test_validate_reports_every_problem(policy_copy: Path, edit: Any) -> None:
    def change(data: Any) -> None:
        data["routing"][5]["route"] = "bsff"
        data["routing"][6]["priority"] = "whenever"

    edit(policy_copy / "rules" / "routing.yaml", change)
    stderr = invoke("validate", policy_copy).stderr
    assert "bsff" in stderr and "whenever" in stderr


def test_validate_refuses_both_a_folder_and_rules(policy_copy: Path) -> None:
    """Which one would be checked is a guess; the user may believe the other one is fine."""
    result = invoke("validate", policy_copy, "--rules", policy_copy)
    assert (result.exit_code, "give one" in result.stderr, result.stdout) == (2, True, "")


# --- rules show ---------------------------------------------------------------------------------


def test_rules_show_exits_zero() -> None:
    assert invoke("rules", "show").exit_code == 0


def test_rules_show_prints_every_routing_rule_in_order() -> None:
    out = invoke("rules", "show").stdout
    routing = out[out.index("Routing") :]
    positions = [routing.find(f"  {rule_id} ") for rule_id in ROUTING_RULE_IDS]
    assert -1 not in positions and positions == sorted(positions)


def test_rules_show_numbers_the_routing_rules() -> None:
    out = invoke("rules", "show").stdout
    rows = [line.split() for line in out[out.index("Routing") :].splitlines()[3 : 3 + len(ROUTING_RULE_IDS)]]
    assert [(row[0], row[1]) for row in rows] == [(str(i), r) for i, r in enumerate(ROUTING_RULE_IDS, start=1)]


def test_rules_show_names_the_ruleset_version() -> None:
    assert "2026.1" in invoke("rules", "show").stdout


def test_rules_show_uses_the_rules_option(policy_copy: Path, edit: Any) -> None:
    def change(data: Any) -> None:
        data["version"] = "2026.1-test"

    edit(policy_copy / "rules" / "ruleset.yaml", change)
    assert "2026.1-test" in invoke("rules", "show", "--rules", policy_copy).stdout

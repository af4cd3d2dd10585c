"""The ``triage`` command line: decide one referral, a batch, validate and show the rules."""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path
from typing import Annotated, Iterator, Optional, TextIO

import typer

from triage.engine import BACKENDS, Engine, EngineFailure
from triage.intake import InvalidReferral, load_text, parse_referral
from triage.logs import configure_logging, flush_logs
from triage.models import Decision
from triage.report import explain_decision, ruleset_table
from triage.rulebook import PolicyInvalid, load_policy
from triage.rulebook.loader import Policy

app = typer.Typer(help="Referral triage for the city's whole household front door.", no_args_is_help=True,
                  pretty_exceptions_enable=False, add_completion=False)
rules_app = typer.Typer(help="Inspect the active ruleset.", no_args_is_help=True)
app.add_typer(rules_app, name="rules")

RulesDir = Annotated[Optional[Path], typer.Option("--rules", help="Policy folder (holding rules/, definitions/, service_catalogue/); default: the project's own.")]
EngineName = Annotated[str, typer.Option("--engine", help=f"Evaluation backend: {' or '.join(BACKENDS)}.")]

EXIT_INVALID_INPUT = 2
EXIT_INVALID_RULES = 3


def _fail(message: str, code: int) -> typer.Exit:
    typer.echo(message, err=True)
    return typer.Exit(code)


def _policy(rules: Path | None) -> Policy:
    try:
        return load_policy(rules)
    except PolicyInvalid as error:
        raise _fail(str(error), EXIT_INVALID_RULES) from None


def _engine(rules: Path | None, engine: str, batch: bool = False) -> Engine:
    configure_logging(batch=batch)
    if engine not in BACKENDS:
        raise _fail(f"--engine: unknown engine {engine!r}; expected one of: {', '.join(BACKENDS)}", EXIT_INVALID_INPUT)
    return Engine(_policy(rules), engine)


@app.command()
def decide(
    file: Annotated[Path, typer.Argument(help="A referral as JSON or YAML.", exists=True, dir_okay=False)],
    explain: Annotated[bool, typer.Option("--explain", help="Print a readable report instead of JSON.")] = False,
    rules: RulesDir = None,
    engine: EngineName = "durable",
) -> None:
    """Decide one referral and print the decision."""
    triage = _engine(rules, engine)
    try:
        data = load_text(file.read_text(encoding="utf-8"), yaml_allowed=file.suffix.lower() in (".yaml", ".yml"))
        referral = parse_referral(data, triage.policy.agencies)
    except InvalidReferral as error:
        raise _fail("invalid referral:\n" + "\n".join(f"  {e}" for e in error.errors), EXIT_INVALID_INPUT) from None
    try:
        decision = triage.decide(referral)
    except EngineFailure as error:
        raise _fail(f"no decision: {error}", 1) from None
    typer.echo(explain_decision(decision, triage.policy) if explain else decision.model_dump_json(indent=2))


def _decide_line(triage: Engine, number: int, line: str) -> tuple[str, Decision | None]:
    """One output line for one input line: the decision, or an error record naming the fields."""
    referral_id = None
    try:
        data = load_text(line)
        if isinstance(data, dict) and isinstance(data.get("referral_id"), str):
            referral_id = data["referral_id"]
        decision = triage.decide(parse_referral(data, triage.policy.agencies))
        return decision.model_dump_json(), decision
    except InvalidReferral as error:
        record = {"line": number, "referral_id": referral_id, "error": str(error),
                  "errors": [{"path": e.path, "reason": e.reason} for e in error.errors]}
    except EngineFailure as error:
        record = {"line": number, "referral_id": referral_id, "error": str(error), "errors": []}
    return json.dumps(record), None


def _lines(source: TextIO, total: int) -> Iterator[tuple[int, str]]:
    numbered = enumerate((line.rstrip("\n") for line in source), start=1)
    if not sys.stderr.isatty():
        yield from numbered
        return
    with typer.progressbar(numbered, length=total, label="Deciding", file=sys.stderr) as bar:
        yield from bar


@app.command()
def batch(
    source: Annotated[Path, typer.Argument(help="Referrals, one JSON object per line.", exists=True, dir_okay=False)],
    output: Annotated[Path, typer.Option("-o", "--output", help="Where to write one result per input line.")],
    rules: RulesDir = None,
    engine: EngineName = "durable",
) -> None:
    """Decide every line of a JSONL file; a bad line gets an error record, never stops the run."""
    triage = _engine(rules, engine, batch=True)
    routes: Counter[str] = Counter()
    with source.open(encoding="utf-8") as count_lines:
        total = sum(1 for _ in count_lines)
    with source.open(encoding="utf-8") as incoming, output.open("w", encoding="utf-8") as out:
        try:
            for number, line in _lines(incoming, total):
                text, decision = _decide_line(triage, number, line)
                out.write(text + "\n")
                routes[decision.route if decision else "(invalid)"] += 1
        finally:
            flush_logs()
    summary = ", ".join(f"{route}: {count}" for route, count in sorted(routes.items()))
    typer.echo(f"{sum(routes.values())} lines decided -> {output} ({summary})", err=True)


@app.command()
def validate(directory: Annotated[Optional[Path], typer.Argument(help="Policy folder to check; default: the project's own.")] = None,
             rules: RulesDir = None) -> None:
    """Check a policy folder; print every problem with its file, line and key."""
    try:
        policy = load_policy(directory or rules)
    except PolicyInvalid as error:
        raise _fail(str(error), 1) from None
    typer.echo(f"ok: ruleset {policy.version} (sha256 {policy.sha256}) from {policy.root}")


@rules_app.command("show")
def rules_show(rules: RulesDir = None) -> None:
    """Print the active ruleset as readable tables."""
    typer.echo(ruleset_table(_policy(rules)))


if __name__ == "__main__":  # pragma: no cover
    app()

"""The rules and the shared vocabulary: rulesets (active and archived), definitions, services."""

from __future__ import annotations

import re
import tempfile
import threading
from collections import Counter
from pathlib import Path as FilePath
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path
from fastapi.responses import JSONResponse

from triage.api.bodies import json_body, json_request, validated
from triage.api.deps import CatalogueReader, Publisher, RulesReader, Shared, Simulator
from triage.api.problems import ApiProblem, problem_responses
from triage.api.schemas import (
    ActiveRuleset,
    ArchivedRulesetOut,
    Catalogue,
    DefinitionOut,
    PublishedRuleset,
    RulesetDetail,
    RulesetList,
    RulesetsToday,
    RulesetUpload,
    SimulationRequest,
)
from triage.audit import RulesetConflict
from triage.cases.teams import capacity
from triage.intake import FieldError
from triage.policy_tests import load_rule_tests
from triage.publishing import PublishRefused, publish
from triage.rulebook import PolicyInvalid, PolicyProblem, load_policy
from triage.rulebook.loader import Policy
from triage.services import Services
from triage.simulation.render import as_data
from triage.simulation.run import from_audit_log, simulate
from triage.simulation.summary import Summary

router = APIRouter(prefix="/v1", tags=["policy"])
_UPLOADABLE = re.compile(r"(definitions|rules|rules/tests|service_catalogue)/[A-Za-z0-9_.-]+\.ya?ml")
_SIMULATING = threading.Lock()  # one what-if simulation at a time: each one uses every core
MAX_UPLOAD_BYTES = 8 * 1_048_576  # a whole uploaded ruleset (each file: rulebook.source.MAX_FILE_BYTES)


@router.get("/rulesets", response_model=RulesetList, responses=problem_responses(401, 403))
def list_rulesets(_: RulesReader, shared: Shared) -> RulesetList:
    """The versions installed (each decides the referrals received while it is in force): the one
    ``in_force`` today (Europe/London), those ``scheduled`` to take effect later, and every ruleset
    archived because it decided something here."""
    library = shared.front_door.library
    return RulesetList(
        **RulesetsToday.of(library),
        installed=[ActiveRuleset.of(e) for e in library.engines],
        archived=[
            ArchivedRulesetOut(version=r.version, sha256=r.sha256, stored_at=r.stored_at)
            for r in shared.store.archive.archived()
        ],
    )


@router.get("/rulesets/{version}", response_model=RulesetDetail, responses=problem_responses(401, 403, 404, 422))
def get_ruleset(
    version: Annotated[str, Path(min_length=1, max_length=64)], _: RulesReader, shared: Shared
) -> RulesetDetail:
    """One ruleset version's content: the installed one with that version, else the latest
    archived with it (a version edited without a new number has several hashes: see the list)."""
    for engine in shared.front_door.library.engines:
        if engine.policy.version == version:
            return RulesetDetail(
                version=version, sha256=engine.policy.sha256, active=True, content=engine.policy.content
            )
    archived = [r for r in shared.store.archive.archived() if r.version == version]
    if not archived:
        raise ApiProblem(404, f"no ruleset with version {version!r}")
    latest = archived[-1]
    return RulesetDetail(
        version=version, sha256=latest.sha256, active=False, content=shared.store.archive.content(latest.sha256)
    )


@router.get("/definitions", response_model=list[DefinitionOut], responses=problem_responses(401, 403))
def list_definitions(_: CatalogueReader, shared: Shared) -> list[DefinitionOut]:
    """The agreed definitions every partner works to (id, text, version, and the test where measurable),
    as the ruleset in force today has them."""
    return [
        DefinitionOut.model_validate(d.model_dump())
        for d in shared.front_door.in_force_today.policy.definitions.definitions
    ]


@router.get("/services", response_model=Catalogue, responses=problem_responses(401, 403))
def list_services(_: CatalogueReader, shared: Shared) -> Catalogue:
    """The service catalogue: the services and outcomes a referral can be routed to, and the localities,
    as the ruleset in force today has them."""
    catalogue = shared.front_door.in_force_today.policy.catalogue
    return Catalogue(services=catalogue.services, localities=catalogue.localities)


def _candidate(upload: RulesetUpload, folder: FilePath) -> Policy:
    """The uploaded ruleset, loaded and validated with its rule tests (422 naming each problem's file,
    line and key as the upload named the file, never the folder it was written to here)."""
    try:
        policy = load_policy(_written(upload, folder))
        load_rule_tests(policy.root)
        return policy
    except PolicyInvalid as invalid:
        raise ApiProblem(
            422, "the ruleset is invalid", [FieldError(_place(p), p.message) for p in invalid.problems]
        ) from None


def _place(problem: PolicyProblem) -> str:
    """``rules/routing.yaml:12 routing[1].when``: the file, line and key, each when known."""
    where = f"{problem.file}:{problem.line}" if problem.line else problem.file
    return f"{where} {problem.key}" if problem.key else where


def _written(upload: RulesetUpload, folder: FilePath) -> FilePath:
    """The uploaded files as a policy folder (only the folders a policy has; no path escapes it;
    nothing written when the whole is larger than a policy folder may be)."""
    wrong = [
        FieldError(
            f"files.{name}", "not a policy file: definitions/, rules/, rules/tests/ or service_catalogue/, a .yaml name"
        )
        for name in upload.files
        if not _UPLOADABLE.fullmatch(name)
    ]
    if wrong:
        raise ApiProblem(422, "the ruleset's files are not a policy folder", wrong)
    if sum(len(text.encode("utf-8")) for text in upload.files.values()) > MAX_UPLOAD_BYTES:
        raise ApiProblem(
            422,
            "the ruleset is too large",
            [
                FieldError(
                    "files",
                    f"the files come to more than {MAX_UPLOAD_BYTES // 1_048_576} MiB, the most a ruleset may be",
                )
            ],
        )
    for name, text in upload.files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text, encoding="utf-8")
    return folder


@router.post(
    "/rulesets",
    status_code=201,
    response_model=PublishedRuleset,
    openapi_extra=json_request("RulesetUpload"),
    responses={
        200: {"model": PublishedRuleset, "description": "Published before: nothing changed"},
        **problem_responses(400, 401, 403, 409, 413, 415, 422),
    },
)
def publish_ruleset(key: Publisher, shared: Shared, data: Annotated[Any, Depends(json_body)]) -> JSONResponse:
    """Publish a ruleset version: validated, its rule tests run (any failure refuses it), their coverage
    at least its ``min_test_coverage``, its safeguarding invariants holding over the rule tests and
    generated referrals (a broken one is answered with the smallest referral that breaks it), archived
    in the audit log with who published it, and live on every instance on this database (here at
    once, elsewhere within seconds). Referrals received from its ``effective_from`` are decided by it."""
    upload = validated(RulesetUpload, data)
    with tempfile.TemporaryDirectory(prefix="triage-upload-") as folder:
        policy = _candidate(upload, FilePath(folder))
        try:
            folders = {e.policy.version: e.policy.sha256 for e in shared.front_door.library.engines}
            published = publish(
                shared.store, policy, key.name, shared.settings.engine, folders, shared.settings.invariant_referrals
            )
        except PublishRefused as refused:
            raise ApiProblem(
                422,
                "not published: its rule tests, their coverage or its safeguarding invariants "
                "do not meet what publishing requires",
                [FieldError(where, problem) for where, problem in refused.reasons],
            ) from None
        except RulesetConflict as conflict:
            raise ApiProblem(409, str(conflict)) from None
    shared.refresh(force=True)
    rules = policy.rules
    body = PublishedRuleset(
        version=policy.version,
        sha256=policy.sha256,
        effective_from=rules.effective_from,
        effective_to=rules.effective_to,
        already_published=published.event is None,
        tests_passed=published.tests_passed,
        coverage_percent=round(published.coverage.percent, 1),
        invariants_held=published.invariants.invariants,
        generated_referrals=published.invariants.generated,
    )
    return JSONResponse(
        body.model_dump(mode="json"),
        status_code=201 if published.event else 200,
        headers={"Location": f"/v1/rulesets/{policy.version}"},
    )


@router.post(
    "/simulate",
    response_model=dict[str, Any],
    openapi_extra=json_request("SimulationRequest"),
    responses=problem_responses(400, 401, 403, 413, 415, 422, 429),
)
def simulate_candidate(_: Simulator, shared: Shared, data: Annotated[Any, Depends(json_body)]) -> dict[str, Any]:
    """What-if: re-decide the referrals recorded in the audit log under a candidate ruleset and
    report what would change, as ``triage simulate --json`` does: how many decisions change, old
    route -> new route, each team's workload before and after, and a sample with both explanations.
    Nothing is recorded or published. Runs to the end before answering (about 25 s of CPU per
    100,000 referrals, in worker processes, never in the server's own). One simulation runs at a
    time on each server process (it uses every core): another asked for meanwhile gets 429 with
    Retry-After."""
    wanted = validated(SimulationRequest, data)
    if not _SIMULATING.acquire(blocking=False):
        raise ApiProblem(
            429,
            "a simulation is already running on this server; try again when it has finished",
            headers={"Retry-After": "30"},
        )
    try:
        return _simulate(shared, wanted)
    finally:
        _SIMULATING.release()


def _simulate(shared: Services, wanted: SimulationRequest) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="triage-simulate-") as folder:
        candidate = _candidate(wanted, FilePath(folder))
        unreadable: Counter[str] = Counter()
        summary = Summary(sample_size=wanted.sample)
        for outcomes in simulate(
            from_audit_log(shared.store, wanted.since, unreadable),
            None,
            candidate.root,
            shared.settings.engine,
            here=False,  # deciding stays in worker processes: this one answers partners
        ):
            summary.add(outcomes)
    summary.not_simulated(unreadable)
    return as_data(
        summary,
        capacity(candidate),
        {"baseline": "the decisions recorded in the audit log", "candidate": candidate.version},
    )

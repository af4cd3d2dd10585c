"""The rules and the shared vocabulary: rulesets (active and archived), definitions, services."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path

from triage.access import ApiKey, Permission
from triage.api.problems import ApiProblem, problem_responses
from triage.api.schemas import (ActiveRuleset, ArchivedRulesetOut, Catalogue, DefinitionOut, RulesetDetail,
                                RulesetList)
from triage.api.security import require
from triage.api.services import Services, services

router = APIRouter(prefix="/v1", tags=["policy"])
RulesReader = Annotated[ApiKey, Depends(require(Permission.READ_RULES))]
CatalogueReader = Annotated[ApiKey, Depends(require(Permission.READ_CATALOGUE))]
Shared = Annotated[Services, Depends(services)]


@router.get("/rulesets", response_model=RulesetList, responses=problem_responses(401, 403))
def list_rulesets(_: RulesReader, shared: Shared) -> RulesetList:
    """The ruleset deciding now, and every ruleset archived because it decided something here."""
    active = shared.front_door.engine.rulebook
    return RulesetList(
        active=ActiveRuleset(version=active.version, sha256=active.sha256, effective_from=active.rules.effective_from),
        archived=[ArchivedRulesetOut(version=r.version, sha256=r.sha256, stored_at=r.stored_at)
                  for r in shared.store.archived_rulesets()])


@router.get("/rulesets/{version}", response_model=RulesetDetail, responses=problem_responses(401, 403, 404, 422))
def get_ruleset(version: Annotated[str, Path(min_length=1, max_length=64)], _: RulesReader,
                shared: Shared) -> RulesetDetail:
    """One ruleset version's content: the active one if it has that version, else the latest
    archived with it (a version edited without a new number has several hashes: see the list)."""
    active = shared.front_door.engine.rulebook
    if active.version == version:
        return RulesetDetail(version=version, sha256=active.sha256, active=True, content=active.content)
    archived = [r for r in shared.store.archived_rulesets() if r.version == version]
    if not archived:
        raise ApiProblem(404, f"no ruleset with version {version!r}")
    latest = archived[-1]
    return RulesetDetail(version=version, sha256=latest.sha256, active=False,
                         content=shared.store.archived_content(latest.sha256))


@router.get("/definitions", response_model=list[DefinitionOut], responses=problem_responses(401, 403))
def list_definitions(_: CatalogueReader, shared: Shared) -> list[DefinitionOut]:
    """The agreed definitions every partner works to (id, text, version, and the test where measurable)."""
    return [DefinitionOut.model_validate(d.model_dump())
            for d in shared.front_door.engine.rulebook.definitions.definitions]


@router.get("/services", response_model=Catalogue, responses=problem_responses(401, 403))
def list_services(_: CatalogueReader, shared: Shared) -> Catalogue:
    """The service catalogue: the services and outcomes a referral can be routed to, and the localities."""
    catalogue = shared.front_door.engine.rulebook.catalogue
    return Catalogue(services=catalogue.services, localities=catalogue.localities)

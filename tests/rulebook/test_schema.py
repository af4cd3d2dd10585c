"""The shape of the policy files: the smallest values each key takes, and the defaults of the
optional ones."""

from __future__ import annotations

from triage.rulebook import load_policy


def test_a_text_of_one_character_is_enough(policy_copy, replace):
    replace(policy_copy, "definitions/terms.yaml", 'policy_ref: "§1"', 'policy_ref: "§"')
    assert load_policy(policy_copy).definitions.definitions[0].policy_ref == "§"


def test_a_version_of_one_character_is_enough(policy_copy, replace):
    replace(policy_copy, "rules/ruleset.yaml", 'version: "2026.1"\neffective', 'version: "7"\neffective')
    assert load_policy(policy_copy).version == "7"


def test_publishing_may_require_no_rule_test_coverage(policy_copy, replace):
    replace(policy_copy, "rules/ruleset.yaml", "min_test_coverage: 100", "min_test_coverage: 0")
    assert load_policy(policy_copy).rules.min_test_coverage == 0


def test_publishing_requires_full_rule_test_coverage_unless_told_otherwise(policy_copy, replace):
    replace(policy_copy, "rules/ruleset.yaml", "min_test_coverage: 100\n", "")
    assert load_policy(policy_copy).rules.min_test_coverage == 100


def test_a_changelog_of_one_entry_is_enough(policy_copy, edit):
    edit(policy_copy / "rules" / "ruleset.yaml", lambda data: data.update(changelog=data["changelog"][:1]))
    assert len(load_policy(policy_copy).rules.changelog) == 1


def test_a_single_priority_is_enough(policy_copy, edit):
    def one_priority(data):
        data["priorities"] = [p for p in data["priorities"] if p["id"] == "standard"]

    def standard(data):
        for rule in data["routing"]:
            rule["priority"] = "standard"

    def no_priority(data):
        for invariant in data["invariants"]:
            invariant["then"].pop("priority", None)

    edit(policy_copy / "rules" / "ruleset.yaml", one_priority)
    edit(policy_copy / "rules" / "routing.yaml", standard)
    edit(policy_copy / "rules" / "invariants.yaml", no_priority)
    assert [p.id for p in load_policy(policy_copy).rules.priorities] == ["standard"]


def test_a_service_may_have_no_key_workers_and_a_caseload_of_one(policy_copy, edit):
    edit(
        policy_copy / "service_catalogue" / "services.yaml",
        lambda data: data["services"][0].update(capacity={"key_workers": 0, "caseload_per_worker": 1}),
    )
    capacity = load_policy(policy_copy).catalogue.services[0].capacity
    assert (capacity.key_workers, capacity.caseload_per_worker) == (0, 1)


def test_a_locality_of_one_district_is_enough(policy_copy, edit):
    edit(
        policy_copy / "service_catalogue" / "localities.yaml",
        lambda data: data["localities"][0].update(districts=["S3"]),
    )
    assert load_policy(policy_copy).catalogue.localities[0].districts == ["S3"]


def test_one_partner_agency_is_enough(policy_copy, edit):
    edit(
        policy_copy / "service_catalogue" / "agencies.yaml",
        lambda data: data.update(partner_agencies=data["partner_agencies"][:1]),
    )
    assert len(load_policy(policy_copy).catalogue.partner_agencies) == 1


def test_one_locality_is_enough(policy_copy, edit):
    def one(data):
        data["localities"] = [
            {**data["localities"][0], "districts": [d for x in data["localities"] for d in x["districts"]]}
        ]

    edit(policy_copy / "service_catalogue" / "localities.yaml", one)
    assert len(load_policy(policy_copy).catalogue.localities) == 1


def test_a_catalogue_of_one_service_is_refused_only_for_the_services_it_lacks(policy_copy, edit, problems):
    edit(policy_copy / "service_catalogue" / "services.yaml", lambda data: data.update(services=data["services"][:1]))
    found = problems(policy_copy)
    assert found and all(p.message.startswith("unknown service id") for p in found)

"""Request bodies are read as triage's intake reads a referral file: JSON only, every key once,
and every refusal naming the field as a partner's developer would write it."""

from __future__ import annotations

import json

import pytest

from support import SPEC_EXAMPLE, build_referral, child, parent

PROBLEM_JSON = "application/problem+json"


def post_raw(client, caller, content: bytes, content_type: str | None = "application/json", path="/v1/referrals"):
    headers = {**caller.headers, **({"Content-Type": content_type} if content_type else {})}
    return client.post(path, content=content, headers=headers)


@pytest.mark.parametrize(
    "content_type",
    ["application/json", "application/json; charset=utf-8", "Application/JSON", "application/problem+json"],
)
def test_a_json_media_type_is_accepted(client, partner, content_type):
    response = post_raw(client, partner, json.dumps(SPEC_EXAMPLE).encode(), content_type)
    assert response.status_code == 201


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", "application/xml", None])
def test_a_body_not_sent_as_json_gets_415(client, partner, content_type):
    response = post_raw(client, partner, json.dumps(SPEC_EXAMPLE).encode(), content_type)
    assert (response.status_code, response.headers["content-type"]) == (415, PROBLEM_JSON)


def test_an_override_not_sent_as_json_gets_415(client, submit, partner, front_door):
    decision_id = submit(partner, SPEC_EXAMPLE).json()["decision_id"]
    response = post_raw(
        client,
        front_door,
        b'{"route": "mast", "reason": "r"}',
        "text/plain",
        path=f"/v1/decisions/{decision_id}/override",
    )
    assert response.status_code == 415


@pytest.mark.parametrize(
    "content",
    [b'{"referral_id": "X-1",', b"", b"not json", b"{'single': 'quotes'}"],
    ids=["truncated", "empty", "a-word", "single-quotes"],
)
def test_a_body_that_is_not_json_gets_400(client, partner, content):
    response = post_raw(client, partner, content)
    assert (response.status_code, response.headers["content-type"]) == (400, PROBLEM_JSON)


def test_a_body_that_is_not_utf8_gets_400(client, partner):
    response = post_raw(client, partner, json.dumps(SPEC_EXAMPLE).encode("utf-16"))
    assert (response.status_code, response.headers["content-type"]) == (400, PROBLEM_JSON)


def test_a_key_given_twice_gets_400_naming_where(client, partner):
    body = (
        b'{"referral_id": "D-1", "received_at": "2026-11-20T10:15:00Z", "referrer": {"agency": "school"},'
        b' "consent": {"given": true, "given": false},'
        b' "household": {"postcode": "S5 7AU", "members": [{"id": "p1", "role": "parent_carer", "age": 34}]}}'
    )
    response = post_raw(client, partner, body)
    assert (response.status_code, response.headers["content-type"]) == (400, PROBLEM_JSON)
    assert [e["path"] for e in response.json()["errors"]] == ["consent.given"]


def test_a_key_given_twice_in_a_batch_refuses_the_whole_batch(client, partner, front_door):
    body = b'{"referrals": [], "referrals": [' + json.dumps(SPEC_EXAMPLE).encode() + b"]}"
    response = post_raw(client, partner, body, path="/v1/referrals/batch")
    assert response.status_code == 400
    assert client.get("/v1/decisions", headers=front_door.headers).json()["items"] == []


def test_an_invalid_referral_gets_422_naming_the_member_field(client, submit, partner):
    response = submit(partner, build_referral(parent(), child(age=-3, id="c1"), referral_id="V-1"))
    assert (response.status_code, response.headers["content-type"]) == (422, PROBLEM_JSON)
    assert response.json()["errors"] == [
        {"path": "household.members[1].age", "reason": "Input should be greater than or equal to 0"}
    ]


def test_an_invalid_referral_names_every_field_refused(client, submit, partner):
    referral = build_referral(
        parent(age="old"), referral_id="V-1", referrer={"agency": "the_pub"}, received_at="last tuesday"
    )
    paths = {e["path"] for e in submit(partner, referral).json()["errors"]}
    assert paths == {"household.members[0].age", "referrer.agency", "received_at"}


def test_an_unknown_field_is_refused_by_name(client, submit, partner):
    response = submit(partner, {**SPEC_EXAMPLE, "favourite_colour": "blue"})
    assert response.status_code == 422
    assert [e["path"] for e in response.json()["errors"]] == ["favourite_colour"]


@pytest.mark.parametrize("body", [b"null", b"[]", b'"a referral"', b"7"])
def test_json_that_is_not_an_object_gets_422(client, partner, body):
    response = post_raw(client, partner, body)
    assert (response.status_code, response.headers["content-type"]) == (422, PROBLEM_JSON)


def test_an_invalid_referral_records_nothing(client, submit, partner, auditor):
    submit(partner, build_referral(parent(age=-1), referral_id="V-1"))
    assert client.get("/v1/audit/verify", headers=auditor.headers).json()["events"] == 1  # the ruleset load only

"""Deal stage machine and webhook signatures."""
from __future__ import annotations

import pytest

from services.gateway.brokers.stages import DealStage, IllegalTransition, check_transition, requires_contract_amount
from services.gateway.webhooks.signing import SignatureError, sign, verify_signature

S = DealStage


@pytest.mark.parametrize(
    "current, target",
    [(S.intent, S.negotiation), (S.negotiation, S.signed), (S.signed, S.closed),
     (S.intent, S.terminated), (S.negotiation, S.terminated), (S.signed, S.terminated)],
)
def test_legal_transitions(current, target):
    check_transition(current, target)


@pytest.mark.parametrize(
    "current, target",
    [(S.intent, S.signed), (S.intent, S.closed), (S.negotiation, S.intent), (S.signed, S.negotiation),
     (S.closed, S.terminated), (S.terminated, S.intent), (S.closed, S.closed), (S.intent, S.intent)],
)
def test_illegal_transitions_say_what_is_allowed(current, target):
    with pytest.raises(IllegalTransition) as err:
        check_transition(current, target)
    assert current.value in str(err.value)


def test_only_signing_requires_an_amount():
    assert [s for s in S if requires_contract_amount(s)] == [S.signed]


BODY = '{"event_id":"evt_1","type":"deal.stage_changed","data":{"stage":"closed","备注":"成交"}}'.encode()


def test_signature_round_trip():
    header = sign("s3cret", BODY, timestamp=1_700_000_000)
    assert header.startswith("t=1700000000,v1=")
    assert verify_signature("s3cret", header, BODY, now=1_700_000_010) == 1_700_000_000


@pytest.mark.parametrize(
    "secret, body, now, match",
    [
        ("wrong", BODY, 1_700_000_000, "does not match"),
        ("s3cret", BODY + b" ", 1_700_000_000, "does not match"),
        ("s3cret", BODY, 1_700_001_000, "tolerance"),
    ],
)
def test_signature_rejects_tampering_and_staleness(secret, body, now, match):
    header = sign("s3cret", BODY, timestamp=1_700_000_000)
    with pytest.raises(SignatureError, match=match):
        verify_signature(secret, header, body, now=now)


def test_signature_accepts_any_of_several_v1_values_for_rotation():
    new = sign("new-secret", BODY, timestamp=1_700_000_000)
    old = sign("old-secret", BODY, timestamp=1_700_000_000).split(",")[1]
    assert verify_signature("old-secret", f"{new},{old}", BODY, now=1_700_000_000)


@pytest.mark.parametrize("header", [None, "", "v1=abc", "t=notanumber,v1=abc"])
def test_signature_rejects_malformed_headers(header):
    with pytest.raises(SignatureError):
        verify_signature("s3cret", header, BODY, now=1_700_000_000)

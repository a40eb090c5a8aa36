"""``ELDERCARE_WEBHOOKS`` parsing, the signature and the body format (no database, no network)."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import UTC, datetime

import pytest

from care.models import Outbox
from integrations.webhooks import WebhookConfigError, event_body, parse_webhooks, sign, verify_signature

GOOD = '[{"station": "hz-xinhua", "url": "https://provider.example/hook", "secret": "s3cret-s3cret-s3cret"},' \
       ' {"station": "ly-xugou", "url": "http://127.0.0.1:9000/in", "secret": "another-secret-1234"}]'


def test_the_setting_is_parsed_into_targets_by_station() -> None:
    targets = parse_webhooks(GOOD)
    assert sorted(targets) == ["hz-xinhua", "ly-xugou"]
    assert str(targets["hz-xinhua"].url) == "https://provider.example/hook"
    assert targets["ly-xugou"].secret == "another-secret-1234"
    assert "another-secret" not in repr(targets)  # secrets stay out of logs and tracebacks
    assert parse_webhooks(None) == parse_webhooks("") == parse_webhooks("  ") == {}
    assert parse_webhooks("[]") == {}


@pytest.mark.parametrize("text, problem", [
    ("not json", "ELDERCARE_WEBHOOKS is not valid"),
    ('{"station": "x"}', "ELDERCARE_WEBHOOKS is not valid"),
    ('[{"station": "hz-xinhua", "url": "ftp://x/y", "secret": "s3cret-s3cret-s3cret"}]', "0.url"),
    ('[{"station": "hz-xinhua", "url": "https://x/y", "secret": "short"}]', "0.secret"),
    ('[{"station": "hz-xinhua", "url": "https://x/y"}]', "0.secret"),
    ('[{"station": "hz-xinhua", "url": "https://x/y", "secret": "s3cret-s3cret-s3cret", "typo": 1}]', "0.typo"),
    ('[{"station": "a", "url": "https://x/1", "secret": "s3cret-s3cret-s3cret"},'
     ' {"station": "a", "url": "https://x/2", "secret": "s3cret-s3cret-s3cret"}]', "names station 'a' twice"),
])
def test_a_bad_setting_is_refused_with_the_reason_and_without_the_secret(text: str, problem: str) -> None:
    with pytest.raises(WebhookConfigError) as caught:
        parse_webhooks(text)
    assert problem in str(caught.value)
    assert "s3cret" not in str(caught.value) and "short" not in str(caught.value)


def test_signatures_are_hmac_sha256_of_the_raw_body() -> None:
    body = b'{"order":"482913","event":"accepted"}'
    expected = "sha256=" + hmac.new(b"topsecret-topsecret", body, hashlib.sha256).hexdigest()
    assert sign("topsecret-topsecret", body) == expected
    assert verify_signature("topsecret-topsecret", body, expected)
    assert verify_signature(b"topsecret-topsecret", body, expected + " ")
    assert not verify_signature("topsecret-topsecret", body + b" ", expected)
    assert not verify_signature("other-secret-value", body, expected)
    assert not verify_signature("topsecret-topsecret", body, expected.removeprefix("sha256="))
    assert not verify_signature("topsecret-topsecret", body, None)
    assert not verify_signature("topsecret-topsecret", body, "sha256=")


def test_the_body_is_the_payload_with_id_topic_and_local_time_and_no_internal_keys() -> None:
    row = Outbox(id=42, topic="order.accepted", recipient_type="station", recipient_id=1,
                 payload={"order": "482913", "event": "accepted", "note": "老人说中午在家", "_done": ["telegram"]},
                 created_at=datetime(2026, 11, 26, 1, 30, tzinfo=UTC))
    body = event_body(row)
    assert "老人说中午在家".encode() in body  # UTF-8, not \\u escapes
    assert json.loads(body) == {"order": "482913", "event": "accepted", "note": "老人说中午在家", "id": 42,
                                "topic": "order.accepted", "created_at": "2026-11-26T09:30:00+08:00"}
    assert event_body(row) == body  # stable bytes for the same row

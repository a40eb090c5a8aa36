"""Callers registered by the dialplan: kept a few minutes, bounded, and told how the call ended."""

from __future__ import annotations

from voice.registry import CallRegistry


def test_a_registered_caller_is_found_until_it_expires() -> None:
    calls = CallRegistry(keep_seconds=60)
    calls.register("a", "13800000001", now=0)
    assert calls.caller("a", now=59) == "13800000001"
    assert calls.caller("a", now=61) is None
    assert calls.caller("never", now=0) is None


def test_the_outcome_is_kept_after_the_audio_ends() -> None:
    calls = CallRegistry(keep_seconds=60)
    calls.register("a", "13800000001", now=0)
    assert calls.outcome("a", now=1) is None
    calls.finish("a", "transfer", now=50)
    calls.register("b", None, now=55)
    assert calls.outcome("a", now=100) == "transfer"  # kept 60 s from the end, not from the start
    calls.finish("anonymous-call", "hangup", now=100)
    assert calls.outcome("anonymous-call", now=101) == "hangup"


def test_a_flood_of_registrations_keeps_only_the_newest() -> None:
    calls = CallRegistry(capacity=100)
    for i in range(1000):
        calls.register(str(i), "13800000001", now=i / 1000)
    assert calls.caller("0", now=1) is None
    assert calls.caller("999", now=1) == "13800000001"
    assert len(calls) == 100

"""Calls the dialplan told us about (``POST /voice/calls``) and how they ended.

Asterisk registers the caller's number under the call's UUID just before it connects the audio;
after the audio ends the dialplan may ask how the call ended (``transfer`` to a person, or
``hangup``). Entries live a few minutes and the registry is bounded, so a flood of registrations
cannot grow memory.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass

KEEP_SECONDS = 300.0
CAPACITY = 10_000


@dataclass
class CallRecord:
    caller: str | None
    registered_at: float
    outcome: str | None = None
    """``hangup`` or ``transfer`` once the audio has ended; None while the call is on."""


class CallRegistry:
    def __init__(self, keep_seconds: float = KEEP_SECONDS, capacity: int = CAPACITY) -> None:
        self.keep_seconds = keep_seconds
        self.capacity = capacity
        self._calls: OrderedDict[str, CallRecord] = OrderedDict()

    def __len__(self) -> int:
        return len(self._calls)

    def register(self, call_id: str, caller: str | None, now: float) -> None:
        self._expire(now)
        self._calls[call_id] = CallRecord(caller, now)
        self._calls.move_to_end(call_id)
        while len(self._calls) > self.capacity:
            self._calls.popitem(last=False)

    def caller(self, call_id: str, now: float) -> str | None:
        self._expire(now)
        record = self._calls.get(call_id)
        return record.caller if record else None

    def finish(self, call_id: str, outcome: str, now: float) -> None:
        record = self._calls.get(call_id)
        if record is None:
            self.register(call_id, None, now)
            record = self._calls[call_id]
        record.outcome = outcome
        record.registered_at = now  # kept a while longer for the dialplan's question
        self._calls.move_to_end(call_id)

    def outcome(self, call_id: str, now: float) -> str | None:
        self._expire(now)
        record = self._calls.get(call_id)
        return record.outcome if record else None

    def _expire(self, now: float) -> None:
        while self._calls:
            call_id, record = next(iter(self._calls.items()))
            if now - record.registered_at < self.keep_seconds:
                break
            del self._calls[call_id]

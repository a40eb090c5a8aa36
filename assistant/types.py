"""What channels hand the assistant and what they get back.

Channels are thin: they turn their input into a ``Turn`` and render the ``Reply`` objects.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

Channel = Literal["web", "phone", "telegram"]
ANONYMOUS, ELDER, FAMILY = "anonymous", "elder", "family"


@dataclass(frozen=True)
class UserRef:
    """Who is speaking, as the channel identified them (see ``assistant.identity``)."""

    kind: str  # anonymous | elder | family
    id: int | None = None
    name: str | None = None
    key: str = ""
    """Stable per channel and person (``tel:13800000001``, ``tg:123456``, ``web:<session>``): keys the state."""


@dataclass(frozen=True)
class Turn:
    channel: Channel
    user: UserRef
    at: datetime
    text: str | None = None
    dtmf: str | None = None
    """A keypad digit on the phone, or the key of an option button pressed in a chat."""


@dataclass(frozen=True)
class Option:
    key: str
    """The digit on the phone, the callback value of a chat button."""
    label: str


@dataclass(frozen=True)
class Reply:
    text: str
    speak: str = ""
    """The same sentence as it should be read aloud (numbers, dates and codes spelled for the ear)."""
    options: tuple[Option, ...] = ()
    action: Literal["hangup", "transfer"] | None = None
    intent: str | None = None
    order: dict[str, Any] | None = None
    """The order this reply placed or changed, in the short form of CONTRACTS.md (`eldercare chat`)."""
    extras: dict[str, Any] = field(default_factory=dict)

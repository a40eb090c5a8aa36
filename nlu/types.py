"""The parse result: intent, ranking and entities, shaped like Rasa's ``/model/parse``."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Entity:
    entity: str
    value: str
    start: int
    end: int
    text: str

    def to_rasa(self) -> dict[str, Any]:
        return {"entity": self.entity, "value": self.value, "start": self.start, "end": self.end,
                "text": self.text}


@dataclass
class Parse:
    text: str
    intent: str
    confidence: float
    ranking: list[tuple[str, float]] = field(default_factory=list)
    entities: list[Entity] = field(default_factory=list)

    def entity(self, name: str) -> str | None:
        """The value of the first entity of type ``name`` (in text order), or None."""
        for e in self.entities:
            if e.entity == name:
                return e.value
        return None

    def values(self, name: str) -> list[str]:
        """Every value of entity type ``name``, in text order."""
        return [e.value for e in self.entities if e.entity == name]

    def to_rasa(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "intent": {"name": self.intent, "confidence": round(float(self.confidence), 4)},
            "intent_ranking": [{"name": n, "confidence": round(float(c), 4)} for n, c in self.ranking],
            "entities": [e.to_rasa() for e in self.entities],
        }

"""What the knowledge base says back: answers and citations (CONTRACTS sections 3 and 4)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

NOT_IN_DOCUMENTS = "建议您咨询当地民政局，或拨打12349养老服务热线。"


@dataclass(frozen=True)
class Citation:
    doc_id: str
    title: str
    doc_no: str | None
    region: str | None
    clause: str
    quote: str
    valid: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Answer:
    question: str
    region: str | None
    answer: str
    citations: list[Citation] = field(default_factory=list)
    confidence: float = 0.0
    answered: bool = False
    """False when the documents do not answer (then ``citations`` is empty)."""

    def to_dict(self) -> dict[str, Any]:
        return {
            "question": self.question,
            "region": self.region,
            "answer": self.answer,
            "citations": [c.to_dict() for c in self.citations],
            "confidence": round(float(self.confidence), 3),
        }


@dataclass
class BenefitResult:
    benefit: str
    name: str
    status: str
    """``eligible`` · ``not_eligible`` · ``need_info`` · ``unspecified``."""
    missing: list[str] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)
    amount: str | None = None
    citations: list[Citation] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "benefit": self.benefit,
            "name": self.name,
            "status": self.status,
            "missing": list(self.missing),
            "reasons": list(self.reasons),
            "amount": self.amount,
            "citations": [c.to_dict() for c in self.citations],
        }


@dataclass
class EligibilityResult:
    region: str
    benefits: list[BenefitResult] = field(default_factory=list)

    @property
    def missing(self) -> list[str]:
        """Profile keys still to ask, over all benefits, in conversation order."""
        from knowledge.eligibility import FACT_ORDER

        keys = {k for b in self.benefits for k in b.missing}
        return [k for k in FACT_ORDER if k in keys]

    def to_dict(self) -> dict[str, Any]:
        return {"region": self.region, "benefits": [b.to_dict() for b in self.benefits]}

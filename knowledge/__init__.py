"""Policy knowledge base: documents → cleaned clauses → BM25 index; rules → eligibility.

    from knowledge import KnowledgeBase
    kb = KnowledgeBase.load()                       # shipped corpus (+ data_dir/kb when given)
    kb.ask("尊老金怎么领", region="启东市").to_dict()     # CONTRACTS section 3
    kb.eligibility("连云港市", {"age": 83, "living": "alone", "economic": "dibao"}).to_dict()  # section 4
    kb.regions()

Pure and deterministic given its data: no database, no network, no clock but the one passed in.
"""

from knowledge.answers import Answer, BenefitResult, Citation, EligibilityResult
from knowledge.base import KnowledgeBase
from knowledge.errors import InvalidRequest, RuleError

__all__ = [
    "Answer",
    "BenefitResult",
    "Citation",
    "EligibilityResult",
    "InvalidRequest",
    "KnowledgeBase",
    "RuleError",
]

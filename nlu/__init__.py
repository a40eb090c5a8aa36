"""Chinese NLU for the elder-care assistant: text → ``Parse(intent, entities)`` (Rasa-shaped).

    from nlu import parse
    p = parse("明天中午给我妈送两份饭", reference_date=date(2026, 11, 26))
    p.intent, p.confidence, p.entity("date"), p.to_rasa()

Pure and deterministic: no database, no network, no clock except the reference date passed in.
"""

from nlu.model import CONFIRM_THRESHOLD, FALLBACK_THRESHOLD, NLU, default, load, parse
from nlu.types import Entity, Parse

INTENTS = (
    "greet", "goodbye", "thank", "affirm", "deny", "inform", "repeat", "human_handoff", "emergency",
    "ask_eligibility", "ask_subsidy", "ask_policy", "book_meal", "book_bath", "book_home_visit",
    "cancel_order", "check_order", "modify_order", "complain", "out_of_scope",
)
ENTITIES = (
    "service", "visit_kind", "date", "meal", "part_of_day", "time", "quantity", "age", "relation", "region",
    "living", "economic", "disability", "benefit", "diet",
)

__all__ = ["CONFIRM_THRESHOLD", "ENTITIES", "FALLBACK_THRESHOLD", "INTENTS", "NLU", "Entity", "Parse",
           "default", "load", "parse"]

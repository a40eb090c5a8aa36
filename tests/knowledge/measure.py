"""Measure a question file: ``python -m tests.knowledge.measure FILE… [-v]``.

hit@1 (the first citation is a gold clause), hit@3, answers holding the gold facts, unanswerable
questions answered honestly (no citation, a pointer to 民政局/12349, no figure in 元).
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import yaml

from tests.knowledge.conftest import TODAY

NO_ANSWER_HINTS = ("民政局", "12349")


def honest(a) -> bool:
    return (a.citations == [] and any(h in a.answer for h in NO_ANSWER_HINTS) and a.confidence < 0.5
            and not re.search(r"\d+\s*元", a.answer))


def measure(kb, data: dict, verbose: bool = False) -> dict:
    hit1 = hit3 = facts = 0
    answerable = data.get("answerable", [])
    for item in answerable:
        a = kb.ask(item["q"], item.get("region"), today=TODAY)
        gold = {tuple(g) for g in item["gold"]}
        cites = [(c.doc_id, c.clause) for c in a.citations]
        h1 = bool(cites) and cites[0] in gold
        h3 = any(c in gold for c in cites[:3])
        f = all(x in a.answer for x in item.get("facts", []))
        hit1 += h1
        hit3 += h3
        facts += f
        if verbose and not (h1 and f):
            print(f"{'MISS' if not h3 else 'hit3' if not h1 else 'FACT'} {item['q']} [{item.get('region')}]"
                  f" gold={sorted(gold)} got={cites[:3]}\n     {a.answer}")
    unanswerable = data.get("unanswerable", [])
    ok = 0
    for item in unanswerable:
        a = kb.ask(item["q"], item.get("region"), today=TODAY)
        good = honest(a)
        ok += good
        if verbose and not good:
            print(f"DISHONEST {item['q']} [{item.get('region')}] {[(c.doc_id, c.clause) for c in a.citations]}"
                  f"\n     {a.answer}")
    n = max(len(answerable), 1)
    return {"n": len(answerable), "hit@1": round(hit1 / n, 3), "hit@3": round(hit3 / n, 3),
            "facts": round(facts / n, 3), "honest": f"{ok}/{len(unanswerable)}"}


def main(argv: list[str]) -> None:
    from datetime import date  # noqa: F401

    from knowledge import KnowledgeBase

    kb = KnowledgeBase.load(clock=lambda: TODAY)
    verbose = "-v" in argv
    for name in (a for a in argv if a != "-v"):
        data = yaml.safe_load(Path(name).read_text(encoding="utf-8"))
        print(name, measure(kb, data, verbose))


if __name__ == "__main__":
    main(sys.argv[1:])

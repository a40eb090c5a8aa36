"""Evaluation like ``rasa test nlu``: intent accuracy, macro-F1, confusions, entity P/R/F1 per type."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from nlu import rasa_yaml
from nlu.classifier import cues
from nlu.model import DATA_DIR, NLU

DEFAULT_TEST = DATA_DIR / "test"
DEFAULT_REFERENCE = date(2026, 11, 26)


@dataclass
class Report:
    n: int = 0
    intent_accuracy: float = 0.0
    intent_macro_f1: float = 0.0
    per_intent: dict[str, dict[str, float]] = field(default_factory=dict)
    confusions: list[tuple[str, str, int]] = field(default_factory=list)
    entity_precision: float = 0.0
    entity_recall: float = 0.0
    entity_f1: float = 0.0
    per_entity: dict[str, dict[str, float]] = field(default_factory=dict)
    emergency_recall: float | None = None
    emergency_false_alarm: float | None = None
    emergency_talk: int = 0
    entity_f1_exact: float = 0.0
    errors: list[dict] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {
            "n": self.n, "intent_accuracy": round(self.intent_accuracy, 4),
            "intent_macro_f1": round(self.intent_macro_f1, 4), "per_intent": self.per_intent,
            "confusions": [{"gold": g, "predicted": p, "count": c} for g, p, c in self.confusions],
            "entity_precision": round(self.entity_precision, 4), "entity_recall": round(self.entity_recall, 4),
            "entity_f1": round(self.entity_f1, 4), "per_entity": self.per_entity,
            "emergency_recall": self.emergency_recall, "emergency_false_alarm": self.emergency_false_alarm,
            "emergency_talk": self.emergency_talk, "entity_f1_exact_span": round(self.entity_f1_exact, 4),
            "errors": self.errors,
        }

    def to_text(self) -> str:
        lines = [f"Intent evaluation ({self.n} utterances)",
                 f"  accuracy  {self.intent_accuracy:.4f}", f"  macro-F1  {self.intent_macro_f1:.4f}", "",
                 f"  {'intent':<18}{'precision':>10}{'recall':>10}{'f1':>10}{'support':>9}"]
        for name, m in sorted(self.per_intent.items()):
            lines.append(f"  {name:<18}{m['precision']:>10.3f}{m['recall']:>10.3f}{m['f1']:>10.3f}{m['support']:>9.0f}")
        lines += ["", "  Confusions (gold → predicted: count)"]
        lines += [f"    {g} → {p}: {c}" for g, p, c in self.confusions] or ["    none"]
        if self.emergency_recall is not None:
            lines += ["", f"  emergency recall {self.emergency_recall:.3f}; false alarms on talk of past or "
                          f"hypothetical emergencies {self.emergency_false_alarm:.3f} "
                          f"({self.emergency_talk} such utterances)"]
        lines += ["", "Entity evaluation (type and canonical value must match, spans must overlap)",
                  f"  precision {self.entity_precision:.4f}", f"  recall    {self.entity_recall:.4f}",
                  f"  F1        {self.entity_f1:.4f}",
                  f"  F1 with exact spans {self.entity_f1_exact:.4f}", "",
                  f"  {'entity':<14}{'precision':>10}{'recall':>10}{'f1':>10}{'support':>9}"]
        for name, m in sorted(self.per_entity.items()):
            lines.append(f"  {name:<14}{m['precision']:>10.3f}{m['recall']:>10.3f}{m['f1']:>10.3f}{m['support']:>9.0f}")
        return "\n".join(lines)


def _prf(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    p = tp / (tp + fp) if tp + fp else (1.0 if not fn else 0.0)
    r = tp / (tp + fn) if tp + fn else 1.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return p, r, f


def load_test(path: Path | None = None) -> tuple[rasa_yaml.TrainingData, date]:
    data = rasa_yaml.load(path or DEFAULT_TEST)
    ref = data.metadata.get("reference_date")
    return data, date.fromisoformat(ref) if ref else DEFAULT_REFERENCE


def evaluate(nlu: NLU, data: rasa_yaml.TrainingData, reference_date: date) -> Report:
    rep = Report(n=len(data.examples))
    gold_i, pred_i = [], []
    etp: Counter[str] = Counter()
    efp: Counter[str] = Counter()
    efn: Counter[str] = Counter()
    em_total = em_hit = talk_total = talk_false = 0
    exact_tp = 0
    emergency_words = cues().get("emergency", ())
    talk = re.compile(r"摔|跌|晕|中风|脑梗|心梗|胸口|喘|煤气|着火|起火|起不来|救护车|120")
    for ex in data.examples:
        p = nlu.parse(ex.text, reference_date)
        gold_i.append(ex.intent)
        pred_i.append(p.intent)
        if ex.intent == "emergency":
            em_total += 1
            em_hit += p.intent == "emergency"
        elif talk.search(ex.text) or any(w in ex.text for w in emergency_words):
            talk_total += 1
            talk_false += p.intent == "emergency"
        gold = [(a.entity, a.value or a.text, a.start, a.end) for a in ex.entities]
        pred = [(e.entity, e.value, e.start, e.end) for e in p.entities]
        unmatched = list(pred)
        missed = []
        for g in gold:
            hit = next((q for q in unmatched if q[0] == g[0] and q[1] == g[1] and q[2] < g[3] and g[2] < q[3]),
                       None)
            if hit:
                unmatched.remove(hit)
                etp[g[0]] += 1
            else:
                efn[g[0]] += 1
                missed.append(g)
        for q in unmatched:
            efp[q[0]] += 1
        exact_tp += len(set(gold) & set(pred))
        if p.intent != ex.intent or missed or unmatched:
            rep.errors.append({
                "text": ex.text, "intent": ex.intent, "predicted": p.intent,
                "confidence": round(p.confidence, 3),
                "missed": [f"{g[0]}={g[1]}:{ex.text[g[2]:g[3]]}" for g in missed],
                "extra": [f"{q[0]}={q[1]}:{ex.text[q[2]:q[3]]}" for q in unmatched],
            })
    n = max(1, len(gold_i))
    rep.intent_accuracy = sum(g == p for g, p in zip(gold_i, pred_i, strict=True)) / n
    f1s = []
    for name in sorted(set(gold_i)):
        tp = sum(g == p == name for g, p in zip(gold_i, pred_i, strict=True))
        fp = sum(p == name and g != name for g, p in zip(gold_i, pred_i, strict=True))
        fn = sum(g == name and p != name for g, p in zip(gold_i, pred_i, strict=True))
        pr, rc, f = _prf(tp, fp, fn)
        rep.per_intent[name] = {"precision": round(pr, 4), "recall": round(rc, 4), "f1": round(f, 4),
                                "support": tp + fn}
        f1s.append(f)
    rep.intent_macro_f1 = sum(f1s) / max(1, len(f1s))
    conf = Counter((g, p) for g, p in zip(gold_i, pred_i, strict=True) if g != p)
    rep.confusions = [(g, p, c) for (g, p), c in conf.most_common()]
    for t in sorted(set(etp) | set(efp) | set(efn)):
        pr, rc, f = _prf(etp[t], efp[t], efn[t])
        rep.per_entity[t] = {"precision": round(pr, 4), "recall": round(rc, 4), "f1": round(f, 4),
                             "support": etp[t] + efn[t]}
    rep.entity_precision, rep.entity_recall, rep.entity_f1 = _prf(
        sum(etp.values()), sum(efp.values()), sum(efn.values()))
    n_gold, n_pred = sum(etp.values()) + sum(efn.values()), sum(etp.values()) + sum(efp.values())
    rep.entity_f1_exact = _prf(exact_tp, n_pred - exact_tp, n_gold - exact_tp)[2]
    rep.emergency_talk = talk_total
    if em_total:
        rep.emergency_recall = round(em_hit / em_total, 4)
    rep.emergency_false_alarm = round(talk_false / talk_total, 4) if talk_total else 0.0
    return rep

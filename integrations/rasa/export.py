"""Export the built-in NLU's training data as a Rasa 3.6 project (run with the eldercare venv).

    .venv/bin/python integrations/rasa/export.py build/rasa

Writes ``config.yml``, ``domain.yml`` and ``data/nlu.yml``: every example of ``nlu/data/*.yml`` with
``[text](entity:value)`` rewritten to Rasa 3's ``[text]{"entity": ..., "value": ...}``, the synonyms and
lookups of ``nlu/data/entities.yml``, and the shared region gazetteer as a lookup plus synonyms.
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import yaml

import nlu
from nlu import lexicon
from nlu.model import training_files
from nlu.rasa_yaml import Example, load

HERE = Path(__file__).parent


def _annotated(ex: Example) -> str:
    out, pos = [], 0
    for a in sorted(ex.entities, key=lambda a: a.start):
        out.append(ex.text[pos : a.start])
        if a.value and a.value != a.text:
            spec = json.dumps({"entity": a.entity, "value": a.value}, ensure_ascii=False)
            out.append(f"[{a.text}]{spec}")
        else:
            out.append(f"[{a.text}]({a.entity})")
        pos = a.end
    out.append(ex.text[pos:])
    return "".join(out)


def _block(kind: str, name: str, items: list[str]) -> str:
    lines = "".join(f"    - {item}\n" for item in items)
    return f"- {kind}: {name}\n  examples: |\n{lines}"


def export(target: Path) -> Path:
    data = load(training_files())
    target.mkdir(parents=True, exist_ok=True)
    (target / "data").mkdir(exist_ok=True)
    blocks = []
    by_intent: dict[str, list[str]] = {}
    for ex in data.examples:
        by_intent.setdefault(ex.intent, []).append(_annotated(ex))
    for intent in nlu.INTENTS:
        blocks.append(_block("intent", intent, sorted(set(by_intent.get(intent, [])))))
    synonyms: dict[str, list[str]] = {}
    for form, value in data.synonyms.items():
        if form != value:
            synonyms.setdefault(value, []).append(form)
    for region in lexicon.regions():
        synonyms.setdefault(region.name, []).extend(a for a in region.aliases)
    for value, forms in sorted(synonyms.items()):
        if forms:
            blocks.append(_block("synonym", value, sorted(set(forms))))
    lookups = {k: list(v) for k, v in data.lookups.items()}
    lookups["region"] = sorted(lexicon.region_index())
    for name, forms in sorted(lookups.items()):
        blocks.append(_block("lookup", name, sorted(set(forms))))
    for name, patterns in sorted(data.regexes.items()):
        blocks.append(_block("regex", name.replace(".", "_"), patterns))
    (target / "data" / "nlu.yml").write_text('version: "3.1"\nnlu:\n' + "".join(blocks), encoding="utf-8")
    domain = {"version": "3.1", "intents": list(nlu.INTENTS), "entities": list(nlu.ENTITIES)}
    (target / "domain.yml").write_text(yaml.safe_dump(domain, allow_unicode=True, sort_keys=False), encoding="utf-8")
    shutil.copy(HERE / "config.yml", target / "config.yml")
    return target


if __name__ == "__main__":
    print(export(Path(sys.argv[1] if len(sys.argv) > 1 else "build/rasa")))

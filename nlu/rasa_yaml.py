"""Read Rasa 3 NLU training data (``version: "3.1"`` YAML) without Rasa.

Supported: ``- intent:`` blocks with ``examples: |`` lines, entity annotations
``[text](entity)``, ``[text](entity:value)`` and ``[text]{"entity": "x", "value": "y"}``,
``- synonym:``, ``- lookup:`` and ``- regex:`` blocks.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

_ANNOTATION = re.compile(r"\[(?P<text>[^\[\]]+)\](?:\((?P<short>[^()]+)\)|(?P<json>\{[^{}]+\}))")


@dataclass(frozen=True)
class Annotation:
    entity: str
    value: str | None
    start: int
    end: int
    text: str


@dataclass(frozen=True)
class Example:
    text: str
    intent: str
    entities: tuple[Annotation, ...] = ()
    source: str = ""


@dataclass
class TrainingData:
    examples: list[Example] = field(default_factory=list)
    synonyms: dict[str, str] = field(default_factory=dict)
    """surface form → canonical value"""
    lookups: dict[str, list[str]] = field(default_factory=dict)
    """entity type → surface forms"""
    regexes: dict[str, list[str]] = field(default_factory=dict)
    """name → patterns"""
    metadata: dict[str, str] = field(default_factory=dict)

    def merge(self, other: TrainingData) -> None:
        self.examples.extend(other.examples)
        self.synonyms.update(other.synonyms)
        for k, v in other.lookups.items():
            self.lookups.setdefault(k, []).extend(v)
        for k, v in other.regexes.items():
            self.regexes.setdefault(k, []).extend(v)
        self.metadata.update(other.metadata)

    @property
    def intents(self) -> list[str]:
        return sorted({e.intent for e in self.examples})


def parse_example(line: str, intent: str, source: str = "") -> Example:
    """``明天[中午](meal:lunch)送饭`` → plain text plus annotations with offsets into it."""
    out: list[str] = []
    entities: list[Annotation] = []
    pos = 0
    length = 0
    for m in _ANNOTATION.finditer(line):
        before = line[pos : m.start()]
        out.append(before)
        length += len(before)
        surface = m.group("text")
        if m.group("json"):
            spec = json.loads(m.group("json"))
            entity, value = spec["entity"], spec.get("value")
        else:
            entity, _, value = m.group("short").partition(":")
            value = value or None
        entities.append(Annotation(entity.strip(), None if value is None else str(value).strip(),
                                   length, length + len(surface), surface))
        out.append(surface)
        length += len(surface)
        pos = m.end()
    out.append(line[pos:])
    return Example("".join(out), intent, tuple(entities), source)


def _items(block: dict) -> list[str]:
    raw = block.get("examples", "")
    lines = [str(x) for x in raw] if isinstance(raw, list) else str(raw).splitlines()
    items = []
    for line in lines:
        line = line.strip()
        if line.startswith("- "):
            line = line[2:].strip()
        elif line == "-":
            continue
        if line:
            items.append(line)
    return items


_META = re.compile(r"^#\s*(?P<key>[a-z_]+)\s*:\s*(?P<value>\S.*?)\s*$", re.M)


def load_text(text: str, source: str = "") -> TrainingData:
    data = TrainingData()
    for m in _META.finditer(text):
        data.metadata[m.group("key")] = m.group("value")
    doc = yaml.load(text, Loader=_Loader) or {}
    for block in doc.get("nlu") or []:
        if "intent" in block:
            for item in _items(block):
                data.examples.append(parse_example(item, str(block["intent"]), source))
        elif "synonym" in block:
            for item in _items(block):
                data.synonyms[item] = str(block["synonym"])
        elif "lookup" in block:
            data.lookups.setdefault(str(block["lookup"]), []).extend(_items(block))
        elif "regex" in block:
            data.regexes.setdefault(str(block["regex"]), []).extend(_items(block))
    return data


def load(paths: list[Path] | Path) -> TrainingData:
    if isinstance(paths, Path):
        paths = sorted(paths.glob("*.yml")) if paths.is_dir() else [paths]
    data = TrainingData()
    for p in paths:
        data.merge(load_text(p.read_text(encoding="utf-8"), source=p.name))
    return data

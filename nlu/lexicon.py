"""The domain lexicon shared with the knowledge base and the care catalog (pure data access)."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from importlib import resources

import yaml

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass(frozen=True)
class Region:
    name: str
    level: str
    parent: str | None = None
    aliases: tuple[str, ...] = field(default=())

    @property
    def surface_forms(self) -> tuple[str, ...]:
        return (self.name, *self.aliases)


def _load(name: str) -> dict:
    text = resources.files("nlu.data.lexicon").joinpath(name).read_text(encoding="utf-8")
    return yaml.load(text, Loader=_Loader) or {}


@cache
def regions() -> tuple[Region, ...]:
    return tuple(
        Region(name=r["name"], level=r["level"], parent=r.get("parent"), aliases=tuple(r.get("aliases", ())))
        for r in _load("regions.yml")["regions"]
    )


@cache
def region_index() -> dict[str, str]:
    """Every surface form → canonical region name."""
    return {form: r.name for r in regions() for form in r.surface_forms}


def canonical_region(text: str) -> str | None:
    """连云港 → 连云港市; an unknown name → None."""
    return region_index().get(text.strip())


def region_ancestors(name: str) -> list[str]:
    """海州区 → [海州区, 连云港市, 江苏省]: a region and every region that encloses it."""
    by_name = {r.name: r for r in regions()}
    chain: list[str] = []
    while name in by_name and name not in chain:
        chain.append(name)
        name = by_name[name].parent or ""
    return chain


@cache
def synonyms() -> dict[str, tuple[str, ...]]:
    """Canonical policy term → the other ways people say it."""
    return {k: tuple(v) for k, v in _load("synonyms.yml")["synonyms"].items()}

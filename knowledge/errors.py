"""Errors the knowledge base raises on bad input: each carries a Chinese message for the user."""

from __future__ import annotations


class InvalidRequest(ValueError):
    """A question or profile the knowledge base cannot take (unknown region, bad profile value…)."""


class RuleError(InvalidRequest):
    """A rules file that does not hold together (unknown fact, quote not in its document…)."""

"""One trained (or cached) NLU shared by the NLU tests."""

from __future__ import annotations

from datetime import date

import pytest

import nlu

# A Thursday; every relative date in these tests is resolved against it.
REF = date(2026, 11, 26)


@pytest.fixture(scope="session")
def model() -> nlu.NLU:
    return nlu.load()


@pytest.fixture(scope="session")
def parse(model):
    def _parse(text: str, reference_date: date = REF) -> nlu.Parse:
        return model.parse(text, reference_date)

    return _parse

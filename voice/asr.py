"""Speech recognition of the caller's utterances with vosk.

The model (deployment: ``vosk-model-small-cn-0.22``, a 16 kHz model) is loaded once per process and
shared by every ``VoskRecognizer`` on the same path; each call gets its own ``RecognitionStream`` (a
vosk recogniser, ~15 MB when created, growing to ~60-90 MB, created and warmed at call set-up).
8 kHz phone audio is resampled to the model's rate with soxr. Everything here is synchronous and
takes a while (loading: 1-3 s; a stream: ~0.7 s; decoding: ~0.15-0.35 s per second of audio), so
the call loop runs it in a worker thread. Thread safety: the model and a ``VoskRecognizer`` may be
shared by any number of threads; a stream must be used by one thread at a time.
"""

from __future__ import annotations

import functools
import json
import logging
import re
import time
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import soxr
import vosk

from voice.audiosocket import SAMPLE_RATE

log = logging.getLogger(__name__)

DEFAULT_MODEL = "vosk-model-small-cn-0.22"
MODELS_URL = "https://alphacephei.com/vosk/models"
UNKNOWN = "[unk]"
WARM_UP_SECONDS = 0.5


@dataclass(frozen=True)
class Hypothesis:
    """What was recognised: text in the model's script (Chinese without spaces between characters)
    and the mean word confidence, 0..1 (0.0 when nothing was heard)."""

    text: str
    confidence: float


class RecognitionStream(Protocol):
    def accept(self, pcm: bytes) -> None:
        """Take more of the utterance: 8 kHz signed 16-bit little-endian mono."""
        ...

    def result(self) -> Hypothesis:
        """The final result for the audio since the last result(); the stream is then ready for
        the next utterance."""
        ...


class Recognizer(Protocol):
    def stream(self) -> RecognitionStream:
        """A stream for one call (slow: creates and warms a recogniser)."""
        ...


def find_model(configured: str | Path | None, data_dir: Path) -> Path | None:
    """The configured model directory if it exists, else ``data_dir/vosk-model-small-cn-0.22`` or
    any other ``data_dir/vosk-model*`` directory (the first by name); None when there is none."""
    if configured is not None:
        if Path(configured).exists():
            return Path(configured)
        log.warning("vosk model %s does not exist; looking in %s", configured, data_dir)
    if (data_dir / DEFAULT_MODEL).is_dir():
        return data_dir / DEFAULT_MODEL
    found = sorted(p for p in data_dir.glob("vosk-model*") if p.is_dir()) if data_dir.is_dir() else []
    return found[0] if found else None


def model_sample_rate(model_path: Path) -> int:
    """The rate a model expects: ``--sample-frequency`` in its ``conf/mfcc.conf``, else 16000."""
    conf = model_path / "conf" / "mfcc.conf"
    text = conf.read_text(encoding="utf-8") if conf.is_file() else ""
    match = re.search(r"^\s*--sample-frequency\s*=\s*(\d+(?:\.\d*)?)", text, re.MULTILINE)
    return int(float(match.group(1))) if match else 16000


def _is_han(char: str) -> bool:
    """A CJK ideograph or CJK/full-width punctuation: written without spaces around it."""
    return unicodedata.name(char, "").startswith(("CJK ", "FULLWIDTH ", "IDEOGRAPHIC "))


def join_words(words: Sequence[str]) -> str:
    """vosk's words as text: no space where either side is Chinese, one between other words."""
    text = ""
    for word in words:
        if text and not (_is_han(text[-1]) or _is_han(word[0])):
            text += " "
        text += word
    return text


def _hypothesis(results: Sequence[dict[str, Any]]) -> Hypothesis:
    words = [w for r in results for w in r.get("result", []) if w["word"] != UNKNOWN]
    if not words:
        return Hypothesis("", 0.0)
    confidence = sum(float(w["conf"]) for w in words) / len(words)
    return Hypothesis(join_words([w["word"] for w in words]), min(1.0, max(0.0, confidence)))


@functools.cache
def _load_model(path: Path) -> vosk.Model:
    """A model, loaded once per process (~0.5 GB) however many recognisers use it."""
    vosk.SetLogLevel(-1)  # Kaldi's own logging goes to stderr; what matters is logged here
    started = time.perf_counter()
    try:
        model = vosk.Model(str(path))
    except Exception as exc:
        raise RuntimeError(f"vosk could not load the model at {path} (incomplete or not a vosk model?)") from exc
    log.info("vosk model %s loaded in %.1f s", path, time.perf_counter() - started)
    return model


class VoskStream:
    """One call's recogniser: 8 kHz audio in, a ``Hypothesis`` per utterance out."""

    def __init__(self, model: vosk.Model, sample_rate: int, grammar: str | None) -> None:
        args = (model, float(sample_rate)) if grammar is None else (model, float(sample_rate), grammar)
        self._kaldi = vosk.KaldiRecognizer(*args)
        self._kaldi.SetWords(True)
        self._resampler = soxr.ResampleStream(SAMPLE_RATE, sample_rate, 1, dtype="int16")
        self._odd = b""  # half a sample left over from the last accept()
        self._closed: list[dict[str, Any]] = []  # segments vosk ended on its own (at a pause)
        # A fresh recogniser stalls on its first audio: take that stall now, at call set-up
        # (FinalResult, because vosk may only buffer this much audio until it is asked for a result).
        self._kaldi.AcceptWaveform(bytes(int(sample_rate * WARM_UP_SECONDS) * 2))
        self._kaldi.FinalResult()
        self._kaldi.Reset()

    def accept(self, pcm: bytes) -> None:
        """Take more of the utterance: 8 kHz signed 16-bit little-endian mono."""
        data = self._odd + pcm
        whole = len(data) - len(data) % 2
        self._odd = data[whole:]
        self._feed(self._resampler.resample_chunk(np.frombuffer(data[:whole], dtype="<i2")))

    def result(self) -> Hypothesis:
        """The final result for the audio since the last result(); then ready for the next one."""
        self._feed(self._resampler.resample_chunk(np.zeros(0, dtype="<i2"), last=True))
        results = [*self._closed, json.loads(self._kaldi.FinalResult())]
        self._resampler.clear()
        self._kaldi.Reset()
        self._odd = b""
        self._closed = []
        return _hypothesis(results)

    def _feed(self, samples: np.ndarray) -> None:
        if samples.size and self._kaldi.AcceptWaveform(samples.astype("<i2").tobytes()):
            self._closed.append(json.loads(self._kaldi.Result()))


class VoskRecognizer:
    """A vosk model loaded once, shared by the streams of all calls (thread-safe)."""

    def __init__(self, model_path: str | Path, *, phrases: Sequence[str] | None = None) -> None:
        """Load the model; ``phrases`` restricts recognition to those phrases (a grammar: words
        outside the model's vocabulary are dropped, and logged). Raises FileNotFoundError when
        there is no model at ``model_path``."""
        path = Path(model_path)
        if not (path / "am").is_dir() and not (path / "conf").is_dir():
            raise FileNotFoundError(
                f"no vosk model at {path}: download one from {MODELS_URL} (for Chinese: {DEFAULT_MODEL}) "
                f"and unpack it into the data directory, or name its directory in ELDERCARE_VOSK_MODEL"
            )
        self.model = _load_model(path.resolve())
        self.model_path = path
        self._sample_rate = model_sample_rate(path)
        self.grammar = None if phrases is None else self._grammar(phrases)

    @property
    def sample_rate(self) -> int:
        """The model's sample rate (the phone's 8 kHz audio is resampled to it)."""
        return self._sample_rate

    def stream(self) -> VoskStream:
        """A stream for one call: creates and warms a recogniser (~0.1-1 s, ~80 MB)."""
        return VoskStream(self.model, self._sample_rate, self.grammar)

    def _grammar(self, phrases: Sequence[str]) -> str:
        """The grammar as vosk takes it: a JSON list of phrases of known words (and ``[unk]``, when
        the model has it, so that speech outside the grammar need not match a phrase)."""
        kept: list[str] = []
        for phrase in phrases:
            words: list[str] = []
            missing: list[str] = []
            for token in phrase.split():
                known, unknown = self._segment(token)
                words += known
                missing += unknown
            if missing:
                log.warning("grammar phrase %r: not in the model's vocabulary: %s", phrase, " ".join(missing))
            if words:
                kept.append(" ".join(words))
        if self._known(UNKNOWN):
            kept.append(UNKNOWN)
        if not kept:
            raise ValueError("none of the grammar's phrases has a word in the model's vocabulary")
        return json.dumps(kept, ensure_ascii=False)  # vosk reads the grammar's JSON without \u escapes

    def _segment(self, token: str) -> tuple[list[str], list[str]]:
        """A token as the model's words, and the parts it does not know. A token outside the
        vocabulary that is not ASCII (Chinese is written without spaces) is split into the longest
        known words, left to right."""
        if self._known(token):
            return [token], []
        if token.isascii():
            return [], [token]
        known: list[str] = []
        unknown: list[str] = []
        start = 0
        while start < len(token):
            end = next((e for e in range(len(token), start, -1) if self._known(token[start:e])), None)
            if end is None:
                unknown.append(token[start])
                start += 1
            else:
                known.append(token[start:end])
                start = end
        return known, unknown

    def _known(self, word: str) -> bool:
        return self.model.vosk_model_find_word(word) != -1

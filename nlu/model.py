"""The loaded NLU: normalisation → intent classifier → entity extraction (pure and deterministic)."""

from __future__ import annotations

import gc
import hashlib
import logging
import os
import pickle
import tempfile
import threading
import zlib
from datetime import date
from importlib import resources
from pathlib import Path

from nlu import classifier, normalize, rasa_yaml
from nlu.entities import Extractor
from nlu.types import Entity, Parse

log = logging.getLogger(__name__)

FALLBACK_THRESHOLD = 0.30
"""Below this top confidence the parse falls back to ``out_of_scope``. Confidences are
temperature-calibrated on out-of-fold predictions, so a dialogue may also treat a parse with
confidence below ``CONFIRM_THRESHOLD`` as "ask the user to confirm"."""
CONFIRM_THRESHOLD = 0.60
MIN_KNOWN_SHARE = 0.5
"""An utterance in which fewer than half the characters ever occur in the training data is out of scope."""
RANKING_LENGTH = 10

DATA_DIR = Path(str(resources.files("nlu").joinpath("data")))
LEXICON_FILES = ("normalize.yml", "cues.yml", "regions.yml")


def training_files(data_dir: Path | None = None) -> list[Path]:
    return sorted((data_dir or DATA_DIR).glob("*.yml"))


def data_hash(files: list[Path]) -> str:
    """Key of the cached model: the training data, the lexicons and the code that turns them into a model."""
    h = hashlib.sha256(classifier.CODE_VERSION.encode())
    lex = Path(str(resources.files("nlu.data.lexicon")))
    code = Path(__file__).parent
    sources = [code / n for n in ("classifier.py", "model.py", "entities.py", "normalize.py", "temporal.py")]
    for p in [*files, *(lex / n for n in LEXICON_FILES), *sources]:
        h.update(p.name.encode())
        h.update(p.read_bytes())
    return h.hexdigest()[:20]


# Callers open with a greeting and close with thanks around the real request; phone transcripts
# have no spaces. Every training example of a request also teaches those shapes (deterministically).
GREETING_PREFIXES = ("喂 你好 ", "你好 ", "喂喂 ", "您好 我想问一下 ", "喂 那个 ", "你好 问一下 ")
THANKS_SUFFIXES = (" 谢谢", " 谢谢你啊", " 麻烦你了")
FACT_SUFFIXES = (" 她八十多了", " 他一个人住", " 老人腿脚不好", " 我们住海州区", " 老伴身体不好", " 他九十了一个人在家")
REQUEST_INTENTS = {"ask_eligibility", "ask_subsidy", "ask_policy", "book_meal", "book_bath", "book_home_visit",
                   "cancel_order", "check_order", "modify_order", "complain", "human_handoff", "emergency"}


def augment(text: str, intent: str) -> list[str]:
    out = [text]
    if intent not in REQUEST_INTENTS:
        return out
    h = zlib.crc32(text.encode("utf-8"))
    if h % 3 == 0:
        out.append(GREETING_PREFIXES[h // 3 % len(GREETING_PREFIXES)] + text)
    if h % 5 == 1 and intent not in ("emergency", "complain"):
        out.append(text + THANKS_SUFFIXES[h // 5 % len(THANKS_SUFFIXES)])
    if h % 7 == 3 and intent not in ("emergency", "human_handoff"):
        out.append(text + FACT_SUFFIXES[h // 7 % len(FACT_SUFFIXES)])
    if " " in text and h % 2 == 0:
        out.append(text.replace(" ", ""))
    return out


def today_in_shanghai() -> date:
    """The default reference date: today where the service runs (pass one to stay deterministic)."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    return datetime.now(ZoneInfo("Asia/Shanghai")).date()


class NLU:
    """Load once (``nlu.load()``), then ``parse`` every turn."""

    def __init__(self, data: rasa_yaml.TrainingData, model: classifier.LinearModel | None = None):
        self.data = data
        self.extractor = Extractor(data)
        words = [w for w in self.extractor.gazetteer if len(w) >= 2]
        words += normalize.config().get("homophone_terms", [])
        self.featurizer = classifier.Featurizer(words)
        self.model = model if model is not None else self.train()

    # -- training ---------------------------------------------------------------------------------
    def features(self, text: str, surface: str | None = None):
        s = surface if surface is not None else normalize.surface(text)
        return self.featurizer(normalize.for_classifier(s), _entity_features(
            self.extractor.extract(text, s, date(2026, 1, 1))), s)

    def train(self, c: float = 16.0) -> classifier.LinearModel:
        examples = sorted({(e.intent, t) for e in self.data.examples for t in augment(e.text, e.intent)})
        rows = [self.features(text) for _, text in examples]
        return classifier.fit(rows, [intent for intent, _ in examples], c=c)

    def _known_share(self, ctext: str) -> float:
        chars = [c for c in ctext if not c.isspace()]
        if not chars:
            return 0.0
        vocab = self.model.vocab
        return sum(("c:" + c) in vocab for c in chars) / len(chars)

    # -- inference --------------------------------------------------------------------------------
    def parse(self, text: str, reference_date: date | None = None) -> Parse:
        if not isinstance(text, str):
            raise TypeError("text must be a str")
        ref = reference_date or today_in_shanghai()
        work = text[: normalize.MAX_CHARS]
        s = normalize.surface(work)
        if not s.strip():
            return Parse(text, "out_of_scope", 1.0, [("out_of_scope", 1.0)], [])
        chosen = self.extractor.candidates(s, ref)
        prelim = self.extractor.contextualise(work, s, chosen, None)
        ctext = normalize.for_classifier(s)
        feats = self.featurizer(ctext, _entity_features(prelim), s)
        probs = self.model.proba(feats)
        order = probs.argsort()[::-1]
        ranking = [(self.model.classes[i], float(probs[i])) for i in order[:RANKING_LENGTH]]
        intent, confidence = ranking[0]
        known = self._known_share(ctext)
        if known < MIN_KNOWN_SHARE and intent != "out_of_scope":
            # Mostly characters the training data never showed (emoji, other scripts, noise).
            confidence = max(1.0 - known, FALLBACK_THRESHOLD)
            ranking = [("out_of_scope", confidence)] + [r for r in ranking if r[0] != "out_of_scope"]
            intent = "out_of_scope"
        elif confidence < FALLBACK_THRESHOLD and intent != "out_of_scope":
            confidence = 1.0 - confidence
            ranking = [("out_of_scope", confidence)] + [r for r in ranking if r[0] != "out_of_scope"]
            intent = "out_of_scope"
        entities: list[Entity] = self.extractor.contextualise(work, s, chosen, intent)
        return Parse(text, intent, confidence, ranking, entities)


_VALUE_FEATURES = {"service", "visit_kind", "benefit", "economic", "disability", "living", "relation", "meal",
                   "diet"}


def _entity_features(entities: list[Entity]) -> list[str]:
    """Entity types, plus type=value for gazetteer types so synonyms share what they teach."""
    out = []
    for e in entities:
        out.append(e.entity)
        if e.entity in _VALUE_FEATURES:
            out.append(f"{e.entity}={e.value}")
    return out


_lock = threading.Lock()
_default: NLU | None = None


def load(data_dir: Path | None = None, *, use_cache: bool = True) -> NLU:
    """Train from ``nlu/data/*.yml`` (or ``data_dir``) or load the cached model trained on the same data."""
    files = training_files(data_dir)
    data = rasa_yaml.load(files)
    key = data_hash(files)
    path = classifier.cache_dir() / f"nlu-{key}.pkl"
    if use_cache and path.exists():
        try:
            with path.open("rb") as fh:
                model = pickle.load(fh)
            if isinstance(model, classifier.LinearModel):
                loaded = NLU(data, model)
                _settle()
                return loaded
        except Exception:  # a broken cache is retrained
            log.warning("NLU cache %s unreadable; retraining", path)
    nlu = NLU(data)
    _settle()
    if use_cache:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
            with os.fdopen(fd, "wb") as fh:
                pickle.dump(nlu.model, fh, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(tmp, path)
            _prune(path)
        except OSError:
            log.warning("cannot write NLU cache to %s", path)
    return nlu


def _settle() -> None:
    """Move everything loaded so far out of the garbage collector's way: the model and jieba's
    dictionary are a few hundred thousand long-lived objects, and a full collection walking them
    in the middle of a parse is what made the slowest parses slow."""
    gc.collect()
    gc.freeze()


def _prune(keep: Path, spare: int = 3) -> None:
    """Drop all but the newest few cached models (each data edit leaves one behind)."""
    models = sorted(keep.parent.glob("nlu-*.pkl"), key=lambda p: p.stat().st_mtime, reverse=True)
    for old in models[spare:]:
        if old != keep:
            old.unlink(missing_ok=True)


def default() -> NLU:
    global _default
    if _default is None:
        with _lock:
            if _default is None:
                _default = load()
    return _default


def parse(text: str, reference_date: date | None = None) -> Parse:
    """Parse one utterance with the cached default model."""
    return default().parse(text, reference_date)

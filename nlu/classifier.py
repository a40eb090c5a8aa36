"""Intent classifier: jieba words + character n-grams + cue features → calibrated logistic regression.

Training is deterministic (fixed seeds, sorted data). Inference is a sparse dot product in numpy,
so a parse costs well under a millisecond.
"""

from __future__ import annotations

import hashlib
import math
import os
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path

import numpy as np
import yaml

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

CODE_VERSION = "nlu-classifier-6"
JIEBA_WORDS = 40_000
"""jieba's dictionary is cut to its most frequent words (plus our domain words): loads 5× faster,
segments everyday speech the same. Training and inference use the same cut, so they agree."""


def cache_dir() -> Path:
    base = os.environ.get("ELDERCARE_DATA_DIR")
    return Path(base) / "cache" if base else Path.home() / ".cache" / "eldercare"


def _small_dictionary(words: list[str]) -> Path:
    import jieba

    extra = "".join(f"{w} 2000\n" for w in words)
    key = hashlib.sha256(f"{JIEBA_WORDS}|{extra}".encode()).hexdigest()[:16]
    path = cache_dir() / f"jieba-{key}.txt"
    if not path.exists():
        with jieba.get_module_res(jieba.DEFAULT_DICT_NAME) as fh:
            lines = fh.read().decode("utf-8").splitlines()
        freq = sorted((int(line.split()[1]) for line in lines if line.strip()), reverse=True)
        cut = freq[min(JIEBA_WORDS, len(freq)) - 1]
        kept = [line for line in lines if line.strip() and int(line.split()[1]) >= cut]
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text("\n".join(kept) + "\n" + extra, encoding="utf-8")
        os.replace(tmp, path)
        for pattern in ("jieba-*.txt", "jieba.u*.cache"):  # each vocabulary change leaves one behind
            old = sorted(path.parent.glob(pattern), key=lambda p: p.stat().st_mtime, reverse=True)
            for stale in old[4:]:
                stale.unlink(missing_ok=True)
    return path


@cache
def cue_patterns() -> dict[str, re.Pattern[str]]:
    return {name: re.compile("|".join(map(re.escape, sorted(words, key=len, reverse=True))))
            for name, words in cues().items() if words}


@cache
def cues() -> dict[str, tuple[str, ...]]:
    text = resources.files("nlu.data.lexicon").joinpath("cues.yml").read_text(encoding="utf-8")
    return {k: tuple(str(x) for x in v) for k, v in (yaml.load(text, Loader=_Loader) or {}).items()}


class Featurizer:
    def __init__(self, words: Iterable[str] = ()):
        import logging

        import jieba

        jieba.setLogLevel(logging.WARNING)
        domain = sorted({w for w in words if len(w) >= 2 and " " not in w})
        try:
            dictionary = _small_dictionary(domain)
            self.tokenizer = jieba.Tokenizer(str(dictionary))
            self.tokenizer.tmp_dir = str(dictionary.parent)
            self.tokenizer.initialize()
        except OSError:  # read-only home and no ELDERCARE_DATA_DIR: the full dictionary
            self.tokenizer = jieba.Tokenizer()
            self.tokenizer.initialize()
            for w in domain:
                self.tokenizer.add_word(w, freq=2000)

    def __call__(self, text: str, entity_types: Iterable[str] = (), surface: str = "") -> Counter[str]:
        f: Counter[str] = Counter()
        compact = text.replace(" ", "")
        for w in self.tokenizer.lcut(text, HMM=False):
            w = w.strip()
            if w:
                f["w:" + w] += 1
        padded = "^" + compact + "$"
        n = len(padded)
        for size in (1, 2, 3):
            for i in range(n - size + 1):
                f["c:" + padded[i : i + size]] += 1
        length = len(compact)
        f["len:" + ("0" if length == 0 else "1" if length == 1 else "2" if length == 2 else
                    "3-4" if length <= 4 else "5-8" if length <= 8 else "9-16" if length <= 16 else "17+")] += 1
        for t in set(entity_types):
            f["e:" + t] += 1
        probe = surface or compact
        for name, rx in cue_patterns().items():
            if rx.search(probe):
                f["cue:" + name] += 1
        if f.get("cue:emergency"):
            if not (f.get("cue:past") or f.get("cue:hypothetical") or f.get("cue:negation")):
                f["cue:emergency_now"] += 1
            else:
                f["cue:emergency_other"] += 1
        return f


@dataclass
class LinearModel:
    classes: list[str]
    vocab: dict[str, int]
    idf: np.ndarray
    weights: np.ndarray  # (n_features, n_classes)
    bias: np.ndarray
    temperature: float = 1.0

    def vectorize(self, feats: Counter[str]) -> tuple[np.ndarray, np.ndarray]:
        idx, vals = [], []
        for k, c in feats.items():
            j = self.vocab.get(k)
            if j is not None:
                idx.append(j)
                vals.append((1.0 + math.log(c)) * self.idf[j])
        iv = np.asarray(idx, dtype=np.int64)
        vv = np.asarray(vals, dtype=np.float64)
        norm = float(np.sqrt((vv * vv).sum()))
        if norm > 0:
            vv /= norm
        return iv, vv

    def scores(self, feats: Counter[str]) -> np.ndarray:
        iv, vv = self.vectorize(feats)
        return vv @ self.weights[iv] + self.bias if len(iv) else self.bias.copy()

    def proba(self, feats: Counter[str]) -> np.ndarray:
        z = self.scores(feats) / self.temperature
        z = z - z.max()
        e = np.exp(z)
        return e / e.sum()


def _matrix(rows: list[Counter[str]], vocab: dict[str, int], idf: np.ndarray):
    from scipy.sparse import csr_matrix

    data, indices, indptr = [], [], [0]
    for feats in rows:
        idx, vals = [], []
        for k, c in feats.items():
            j = vocab.get(k)
            if j is not None:
                idx.append(j)
                vals.append((1.0 + math.log(c)) * idf[j])
        v = np.asarray(vals)
        norm = float(np.sqrt((v * v).sum())) if len(v) else 0.0
        data.extend((v / norm).tolist() if norm else vals)
        indices.extend(idx)
        indptr.append(len(indices))
    return csr_matrix((data, indices, indptr), shape=(len(rows), len(vocab)))


def fit(rows: list[Counter[str]], labels: list[str], c: float = 16.0, calibrate: bool = True) -> LinearModel:
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold

    df: Counter[str] = Counter()
    for feats in rows:
        df.update(feats.keys())
    vocab = {k: i for i, k in enumerate(sorted(df))}
    n = len(rows)
    idf = np.array([math.log((1 + n) / (1 + df[k])) + 1.0 for k in sorted(df)])
    x = _matrix(rows, vocab, idf)
    classes = sorted(set(labels))
    y = np.array([classes.index(label) for label in labels])

    def train(xm, ym):
        from threadpoolctl import threadpool_limits

        # One thread: on a busy machine BLAS threads fight each other and fitting gets 5x slower.
        with threadpool_limits(1):
            clf = LogisticRegression(C=c, solver="saga", tol=1e-4, max_iter=3000, random_state=0)
            clf.fit(xm, ym)
        return clf

    temperature = 1.0
    if calibrate and n >= 50:
        # Temperature scaling fitted on out-of-fold scores: confidence means what it says.
        oof = np.zeros((n, len(classes)))
        folds = StratifiedKFold(n_splits=5, shuffle=True, random_state=0)
        for tr, te in folds.split(np.zeros(n), y):
            clf = train(x[tr], y[tr])
            full = np.full((len(te), len(classes)), -1e9)
            full[:, clf.classes_] = clf.decision_function(x[te])
            oof[te] = full
        best = (float("inf"), 1.0)
        for t in np.arange(0.3, 3.01, 0.05):
            z = oof / t
            z = z - z.max(axis=1, keepdims=True)
            logp = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
            nll = -float(logp[np.arange(n), y].mean())
            best = min(best, (nll, float(t)))
        temperature = best[1]
    clf = train(x, y)
    weights = np.zeros((len(vocab), len(classes)))
    bias = np.full(len(classes), -1e9)
    weights[:, clf.classes_] = clf.coef_.T
    bias[clf.classes_] = clf.intercept_
    return LinearModel(classes, vocab, idf, weights.astype(np.float32), bias, temperature)

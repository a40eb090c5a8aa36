"""The held-out test set (nlu/data/test, never used for training) meets the issue's targets."""

from __future__ import annotations

import pytest

from nlu.evaluate import evaluate, load_test
from nlu.model import training_files
from nlu.rasa_yaml import load


@pytest.fixture(scope="module")
def report(model):
    data, ref = load_test()
    return evaluate(model, data, ref)


def test_held_out_examples_are_not_training_examples():
    train = {e.text for e in load(training_files()).examples}
    test = [e.text for e in load_test()[0].examples]
    assert len(test) >= 400
    assert not [t for t in test if t in train]


def test_intent_accuracy_at_least_95_percent(report):
    assert report.intent_accuracy >= 0.95, report.confusions


def test_entity_f1_at_least_93_percent(report):
    assert report.entity_f1 >= 0.93, report.per_entity


def test_no_missed_emergency_and_no_false_alarm_on_talk_about_falls(report):
    assert report.emergency_recall == 1.0
    assert report.emergency_false_alarm <= 0.05


def test_every_intent_is_tested(report):
    import nlu

    assert set(report.per_intent) == set(nlu.INTENTS)


def test_training_data_has_enough_examples_per_intent():
    from collections import Counter

    counts = Counter(e.intent for e in load(training_files()).examples)
    assert min(counts.values()) >= 40, counts

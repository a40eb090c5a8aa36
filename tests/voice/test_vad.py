"""The endpointer on real speech (espeak-ng, resampled to the phone's 8 kHz) in line hiss."""

from __future__ import annotations

import io
import shutil
import subprocess
import wave
from dataclasses import dataclass

import numpy as np
import pytest
import soxr

from tests.conftest import require_or_skip
from voice.audiosocket import FRAME_BYTES
from voice.vad import Endpointer, Utterance

RATE = 8000
HISS = 0.003  # -50 dBFS of line noise under everything


def speak(text: str, voice: str = "en") -> np.ndarray:
    """``text`` spoken by espeak-ng at 8 kHz, as floats in -1..1 (espeak's own leading and
    trailing silence trimmed)."""
    require_or_skip(shutil.which("espeak-ng") is not None, "espeak-ng")
    wav = subprocess.run(
        ["espeak-ng", "-v", voice, "-s", "150", "--stdout", text], check=True, capture_output=True
    ).stdout
    with wave.open(io.BytesIO(wav)) as w:
        rate = w.getframerate()
        samples = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2").astype(np.float32) / 32768
    audio = soxr.resample(samples, rate, RATE)
    loud = np.flatnonzero(np.abs(audio) > 0.01)
    return audio[loud[0] : loud[-1] + 1]


def silence(seconds: float) -> np.ndarray:
    return np.zeros(round(seconds * RATE), dtype=np.float32)


def to_pcm(audio: np.ndarray) -> bytes:
    return (np.clip(audio, -1, 1) * 32767).astype("<i2").tobytes()


def ms(audio: np.ndarray) -> int:
    return len(audio) * 1000 // RATE


def with_hiss(audio: np.ndarray, seed: int = 0) -> np.ndarray:
    return audio + np.random.default_rng(seed).normal(0, HISS, len(audio)).astype(np.float32)


@dataclass
class Heard:
    utterances: list[tuple[int, Utterance]]  # with the time (ms) of the frame that ended each
    speaking_ms: list[int]  # times of the frames after which the endpointer was in speech


def listen(audio: np.ndarray, endpointer: Endpointer | None = None, chunk: int = FRAME_BYTES) -> Heard:
    endpointer = endpointer or Endpointer()
    pcm = to_pcm(audio)
    heard = Heard([], [])
    for start in range(0, len(pcm), chunk):
        at = (start + chunk) * 1000 // (2 * RATE)
        utterance = endpointer.push(pcm[start : start + chunk])
        if utterance is not None:
            heard.utterances.append((at, utterance))
        if endpointer.speaking:
            heard.speaking_ms.append(at)
    return heard


@pytest.fixture(scope="module")
def sentence() -> np.ndarray:
    return speak("Hello, I would like to order lunch for tomorrow please.")


@pytest.fixture(scope="module")
def second() -> np.ndarray:
    return speak("And a taxi to the hospital on Friday.")


def test_silence_alone_never_makes_an_utterance() -> None:
    for audio in (silence(30), with_hiss(silence(30)), with_hiss(silence(30)) * 3):  # -50 and -40 dBFS hiss
        heard = listen(audio)
        assert heard.utterances == []
        assert heard.speaking_ms == []


def test_one_sentence_is_one_utterance_covering_the_speech(sentence: np.ndarray) -> None:
    heard = listen(with_hiss(np.concatenate([silence(1), sentence, silence(1.5)])))
    assert len(heard.utterances) == 1
    ended_at, utterance = heard.utterances[0]
    assert abs(utterance.speech_ms - ms(sentence)) <= 300
    # The audio: a little before the speech began (pre-roll), the speech, a little after.
    assert len(utterance.pcm) % 2 == 0
    assert utterance.speech_ms <= ms(np.frombuffer(utterance.pcm, dtype="<i2")) <= utterance.speech_ms + 600
    # Reported once ~0.9 s of silence followed the speech.
    assert 700 <= ended_at - (1000 + ms(sentence)) <= 1300


def test_speaking_flips_on_during_speech_and_off_at_the_end(sentence: np.ndarray) -> None:
    heard = listen(with_hiss(np.concatenate([silence(1), sentence, silence(1.5)])))
    assert 1000 < heard.speaking_ms[0] <= 1300  # the caller has begun: time to stop the prompt
    ended_at, _ = heard.utterances[0]
    assert heard.speaking_ms[-1] < ended_at
    assert heard.speaking_ms == list(range(heard.speaking_ms[0], ended_at, 20))


@pytest.mark.parametrize("pause", [0.3, 0.6])
def test_an_elder_pausing_mid_sentence_is_one_utterance(sentence: np.ndarray, second: np.ndarray, pause: float) -> None:
    heard = listen(with_hiss(np.concatenate([silence(1), sentence, silence(pause), second, silence(1.5)])))
    assert len(heard.utterances) == 1
    assert heard.utterances[0][1].speech_ms >= ms(sentence) + ms(second)


def test_a_two_second_gap_makes_two_utterances(sentence: np.ndarray, second: np.ndarray) -> None:
    heard = listen(with_hiss(np.concatenate([silence(1), sentence, silence(2), second, silence(1.5)])))
    assert len(heard.utterances) == 2
    for (_, utterance), spoken in zip(heard.utterances, (sentence, second), strict=True):
        assert abs(utterance.speech_ms - ms(spoken)) <= 300


def test_a_very_long_speech_is_cut_at_max_utterance_ms(sentence: np.ndarray, second: np.ndarray) -> None:
    talk = np.concatenate([sentence, silence(0.2), second, silence(0.2)] * 4)  # ~24 s without a stop
    assert ms(talk) > 20000
    heard = listen(with_hiss(np.concatenate([silence(1), talk, silence(1.5)])))
    (cut_at, first), *rest = heard.utterances
    assert ms(np.frombuffer(first.pcm, dtype="<i2")) <= 15000
    assert first.speech_ms >= 14000
    assert cut_at <= 1000 + 15000  # returned as soon as the cap was reached, not at the end
    assert len(rest) == 1  # the rest of the talk, ended by the silence
    assert rest[0][1].speech_ms >= ms(talk) - 15000 - 1000

    six_seconds = with_hiss(np.concatenate([silence(1), talk[: 6 * RATE], silence(1.5)]))
    short = listen(six_seconds, Endpointer(max_utterance_ms=2000))
    assert len(short.utterances) == 3
    assert all(len(u.pcm) <= 2000 * 2 * RATE // 1000 for _, u in short.utterances)


def test_clicks_on_the_line_do_not_start_an_utterance() -> None:
    line = with_hiss(silence(10))
    rng = np.random.default_rng(1)
    for second in range(1, 10):
        at = second * RATE + 37 * second  # not aligned with frames
        if second % 2:
            line[at : at + 40] = 0.9 * np.sign(rng.normal(size=40))  # a 5 ms click at full scale
        else:
            line[at : at + 160] = rng.uniform(-0.9, 0.9, 160)  # a 20 ms crackle
    heard = listen(line)
    assert heard.utterances == []
    assert heard.speaking_ms == []


def test_loud_noise(sentence: np.ndarray) -> None:
    """Noise that starts loud and stays loud settles into the noise floor: nothing is heard. A
    sudden burst of loud noise on a quiet line does pass for speech (webrtcvad judges the spectrum,
    and the noise is far above the line's floor): it is heard as an utterance and goes to the
    recogniser, which makes little or nothing of it. Either way the endpointer carries on and
    hears the caller afterwards."""
    rng = np.random.default_rng(2)
    steady = listen(rng.uniform(-0.9, 0.9, 10 * RATE).astype(np.float32))
    assert steady.utterances == []

    burst = rng.uniform(-0.9, 0.9, 3 * RATE).astype(np.float32)
    heard = listen(with_hiss(np.concatenate([silence(1), burst, silence(2), sentence, silence(1.5)])))
    assert len(heard.utterances) == 2
    (_, noise), (ended_at, last) = heard.utterances
    assert abs(noise.speech_ms - ms(burst)) <= 300
    assert abs(last.speech_ms - ms(sentence)) <= 300
    assert ended_at > 1000 + 3000 + 2000 + ms(sentence)


@pytest.mark.parametrize("chunk", [100, 322, 1000, 8000])
def test_audio_in_pieces_of_any_size_is_taken(sentence: np.ndarray, chunk: int) -> None:
    heard = listen(with_hiss(np.concatenate([silence(1), sentence, silence(1.5)])), chunk=chunk)
    assert len(heard.utterances) == 1
    assert abs(heard.utterances[0][1].speech_ms - ms(sentence)) <= 300


def test_odd_frames_are_tolerated(sentence: np.ndarray) -> None:
    """AudioSocket sends 320 bytes; an empty frame, a short one or one with a stray byte is taken
    without harm (the byte dropped), never refused."""
    pcm = to_pcm(with_hiss(np.concatenate([silence(1), sentence, silence(1.5)])))
    odd = (b"", b"\x01", b"\x00" * 100, b"\x00" * 319)
    endpointer = Endpointer()
    utterances = []
    for n, start in enumerate(range(0, len(pcm), FRAME_BYTES)):
        for frame in (odd[n % len(odd)], pcm[start : start + FRAME_BYTES] + b"\x7f" * (n % 2)):
            utterance = endpointer.push(frame)
            if utterance is not None:
                utterances.append(utterance)
    assert len(utterances) == 1
    assert utterances[0].speech_ms >= ms(sentence) - 300  # stretched by the short frames


def test_reset_forgets_speech_begun(sentence: np.ndarray) -> None:
    endpointer = Endpointer()
    listen(with_hiss(np.concatenate([silence(1), sentence[:RATE]])), endpointer)
    assert endpointer.speaking
    endpointer.reset()
    assert not endpointer.speaking
    assert listen(with_hiss(silence(3), seed=1), endpointer).utterances == []


def test_aggressiveness_is_checked() -> None:
    with pytest.raises(ValueError, match="aggressiveness"):
        Endpointer(aggressiveness=4)

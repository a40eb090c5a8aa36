"""Real espeak-ng speech through ``voice.tts``: 8 kHz PCM of plausible length and loudness, Mandarin phonemes."""

import asyncio
import re
import shutil
import subprocess

import numpy as np
import pytest

from voice.audiosocket import FRAME_BYTES, SAMPLE_RATE
from voice.tts import EspeakSynthesizer, to_pinyin

if shutil.which("espeak-ng") is None:
    pytest.skip("espeak-ng is not installed", allow_module_level=True)

GREETING = "您好，这里是养老服务热线。订餐请按1，助浴请按2。"
ORDER = "订好了。订单号是 4 8 2 9 1 7，明天中午十一点半送到。"


def samples(pcm: bytes) -> np.ndarray:
    assert len(pcm) % FRAME_BYTES == 0
    return np.frombuffer(pcm, dtype="<i2").astype(np.float64)


def seconds(pcm: bytes) -> float:
    return len(samples(pcm)) / SAMPLE_RATE


def rms(pcm: bytes) -> float:
    return float(np.sqrt(np.mean(samples(pcm) ** 2)))


def envelope(pcm: bytes) -> np.ndarray:
    """RMS of each 20 ms frame."""
    return np.sqrt((samples(pcm).reshape(-1, FRAME_BYTES // 2) ** 2).mean(axis=1))


def similarity(a: bytes, b: bytes) -> float:
    """Correlation of two loudness contours, over the shorter one."""
    x, y = envelope(a), envelope(b)
    n = min(len(x), len(y))
    return float(np.corrcoef(x[:n], y[:n])[0, 1])


def spoken_chars(text: str) -> int:
    return len(re.findall(r"[\u4e00-\u9fff0-9]", text))


def phonemes(voice: str, text: str) -> str:
    return subprocess.run(
        ["espeak-ng", "-q", "-x", "-v", voice, text], capture_output=True, text=True, check=True
    ).stdout


@pytest.fixture
def synth() -> EspeakSynthesizer:
    return EspeakSynthesizer()


@pytest.mark.parametrize("text", [GREETING, ORDER, "六十元"])
async def test_prompt_is_8khz_speech_of_plausible_length(synth: EspeakSynthesizer, text: str) -> None:
    pcm = await synth.synthesize(text)
    assert 0.15 <= seconds(pcm) / spoken_chars(text) <= 0.6
    assert rms(pcm) > 1000  # digital silence is 0; espeak speech measures ~3000
    assert np.abs(samples(pcm)).max() < 32767  # no clipping


async def test_leading_and_trailing_silence_is_trimmed(synth: EspeakSynthesizer) -> None:
    x = np.abs(samples(await synth.synthesize("六十元")))
    loud = np.flatnonzero(x > 300)
    assert loud[0] <= SAMPLE_RATE * 0.1
    assert len(x) - loud[-1] <= SAMPLE_RATE * 0.1 + FRAME_BYTES // 2


async def test_slow_is_measurably_slower(synth: EspeakSynthesizer) -> None:
    normal = await synth.synthesize(GREETING)
    slow = await synth.synthesize(GREETING, slow=True)
    assert seconds(slow) > 1.25 * seconds(normal)


async def test_cache_returns_the_same_audio_without_synthesizing_again(synth: EspeakSynthesizer) -> None:
    first = await synth.synthesize(GREETING)
    again = await synth.synthesize(GREETING)
    assert again is first
    info = synth.cache_info()
    assert (info.hits, info.misses) == (1, 1)
    await synth.synthesize(GREETING, slow=True)
    assert synth.cache_info().misses == 2


async def test_cache_is_bounded_and_evicts_the_least_recently_used() -> None:
    synth = EspeakSynthesizer(cache_size=2)
    for text in ("一", "二", "一", "三"):  # "二" is the least recently used when "三" arrives
        await synth.synthesize(text)
    assert synth.cache_info().currsize == 2
    await synth.synthesize("一")
    assert synth.cache_info().hits == 2
    await synth.synthesize("二")
    assert synth.cache_info().misses == 4


@pytest.mark.parametrize("text", ["", "   \n\t", "😀👍", "#@*"])
async def test_nothing_to_say_gives_empty_audio(synth: EspeakSynthesizer, text: str) -> None:
    assert await synth.synthesize(text) == b""


async def test_emoji_and_latin_among_hanzi_are_fine(synth: EspeakSynthesizer) -> None:
    pcm = await synth.synthesize("OK 😀 好的 hello 👍")
    assert rms(pcm) > 1000
    assert to_pinyin("OK 😀 好的 hello 👍") == "OK hao3 de5 hello"


@pytest.mark.parametrize(
    ("text", "pinyin"),
    [
        ("六十元", "liu4 shi2 yuan2"),
        ("订单号是 4 8 2 9 1 7，", "ding4 dan1 hao4 shi4 si4 ba1 er4 jiu3 yao1 qi1 ,"),
        ("电话 138 0013", "dian4 hua4 yao1 san1 ba1 ling2 ling2 yao1 san1"),
        ("订餐请按1。", "ding4 can1 qing3 an4 yi1 ."),
        ("482917", "si4 shi2 ba1 wan4 er4 qian1 jiu3 bai3 yi1 shi2 qi1"),
        ("中午十一点半", "zhong1 wu3 shi2 yi1 dian3 ban4"),
        ("重新去银行", "chong2 xin1 qu4 yin2 hang2"),
    ],
)
def test_text_becomes_tone_numbered_pinyin(text: str, pinyin: str) -> None:
    assert to_pinyin(text) == pinyin


@pytest.mark.parametrize("text", [GREETING, ORDER, "六十元"])
def test_voice_speaks_mandarin_not_tone_numbers(synth: EspeakSynthesizer, text: str) -> None:
    # Debian's plain "cmn" voice reads tone digits and numbers as English words ("(en)nI55nt'u:55" = "nin two").
    assert "(en)" in phonemes("cmn", text)
    spoken = phonemes(synth.voice, to_pinyin(text))
    assert "(en)" not in spoken
    assert spoken.count("_|") == spoken_chars(text)  # one syllable per character or digit


async def test_the_configured_voice_is_used(synth: EspeakSynthesizer) -> None:
    def speech_seconds(wav: bytes) -> float:
        loud = np.flatnonzero(np.abs(np.frombuffer(wav[44:], dtype="<i2").astype(np.int32)) > 300)
        return (loud[-1] - loud[0]) / 22050

    def cli(voice: str) -> float:
        args = ["espeak-ng", "-v", voice, "-s", str(synth.rate), "--stdout", to_pinyin(ORDER)]
        return speech_seconds(subprocess.run(args, capture_output=True, check=True).stdout)

    ours = seconds(await synth.synthesize(ORDER)) - 0.2  # minus the 100 ms kept at each end
    assert ours == pytest.approx(cli(synth.voice), rel=0.03)  # pitch flutter makes repeats differ by ~1%
    for wrong in ("en", "cmn"):  # 13.3 s and 10.3 s against 7.8 s
        assert abs(ours - cli(wrong)) > 1


async def test_concurrent_calls_each_get_their_own_audio(synth: EspeakSynthesizer) -> None:
    # espeak's pitch flutter runs on from one utterance to the next, so a repeat is alike but not byte-equal
    # (up to ~1% longer or shorter): each result must have its own text's length and loudness contour.
    texts = [f"订单号是 {' '.join(str(d) for d in range(n + 2))}，明天送到。" for n in range(10)]
    together = await asyncio.gather(*(synth.synthesize(t) for t in texts))
    one_by_one = EspeakSynthesizer()
    alone = [await one_by_one.synthesize(t) for t in texts]
    for i, pcm in enumerate(together):
        assert seconds(pcm) == pytest.approx(seconds(alone[i]), abs=0.1)  # the texts differ by >= 0.2 s
        likeness = [similarity(pcm, other) for other in alone]
        assert likeness[i] == max(likeness) > 0.8

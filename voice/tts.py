"""Mandarin speech for the phone line: espeak-ng, returned as 8 kHz 16-bit PCM.

``EspeakSynthesizer`` turns a reply into pinyin, has ``espeak-ng`` speak it (a process of its own
per prompt), resamples the 22 050 Hz result to 8 kHz with soxr, trims silence to about 100 ms each
side, pads to whole 20 ms frames (320 bytes) and keeps recent results in a bounded LRU cache keyed
by ``(text, slow)``.

Measured on espeak-ng 1.51 (Debian):

- Voice ``cmn-latn-pinyin``. Debian's ``cmn`` voice turns Hanzi into tone-numbered pinyin and then reads
  that as English: ``espeak-ng -x -v cmn 您好`` gives ``(en)nI55nt'u:55 h,eI55@55Tr'i:55``, i.e.
  "nin two hao three". ``cmn-latn-pinyin`` gives ``n'i35n X'Au214`` (nín hǎo).
- That voice also reads Hanzi, but per character: of 89 everyday words 41 came out differently from
  the same words given as pypinyin's tone-number pinyin, and where they differed pypinyin was
  almost always right (重新 chóng not zhòng, 银行 háng not xíng, 地址 dì not de, 长大 zhǎng,
  一定/不是 tone changes). So Hanzi go through ``pypinyin`` (``Style.TONE3``, neutral tone 5), which
  the voice speaks with its own third-tone sandhi (ni3 hao3 -> ni35 hao214).
- espeak groups bare numbers in thousands (482917 -> "四百八十二千..."), so digits are converted
  first: digit groups separated by spaces (codes, phone numbers) are read one digit at a time with
  1 as 幺 (yāo), the usual telephone reading; other numbers become Chinese numerals with ``cn2an``.
  pypinyin reads the 一 of 十一点 as yì, so a 一 that follows a numeral is spoken yī.
- Rate: espeak's Mandarin runs at 2.7 syllables/s (pauses included) at 150 wpm and 3.3 at its
  default 175; 150 suits elderly callers, 110 (0.73x) is the "say it again slowly" rate.
- Amplitude 80 of 200: at espeak's default 100 the samples reach 32 753 and the 8 kHz resample clips
  (8 samples in a 7 s prompt); at 80 the peak is about 29 800.
- Why a process and not pyttsx3 (the design's first choice, in this process through libespeak): under
  the test suite pyttsx3's espeak driver crashed the whole Python process once (a segmentation fault
  in ``_espeak.Synth`` on its worker thread, seen in CI) — on the phone line that would end every
  call, chat and console session at once. A bare ``espeak-ng`` process took 14 ms per short prompt
  against 16-23 ms through pyttsx3, and needs none of pyttsx3's waits (a first ``runAndWait`` that
  returns before the file exists, a rate change applied one utterance late).
"""

import asyncio
import io
import re
import unicodedata
import wave
from collections import OrderedDict
from typing import NamedTuple, Protocol

import cn2an
import numpy as np
import soxr
from pypinyin import Style, lazy_pinyin

from voice.audiosocket import FRAME_BYTES, SAMPLE_RATE

ESPEAK = "espeak-ng"
_AMPLITUDE = 80  # of espeak's 0-200 (default 100): at full level the 8 kHz resample clipped
_SILENCE = 300  # |sample| at or below this counts as silence (about -40 dBFS)
_MARGIN = SAMPLE_RATE // 10  # 100 ms of silence kept before and after speech

_HANZI = "\u3007\u3400-\u4dbf\u4e00-\u9fff"
_DIGIT_HANZI = "零幺二三四五六七八九"
_SPACED_DIGITS = re.compile(r"[0-9]+(?:[ \t]+[0-9]+)+")
_NUMBER = re.compile(r"[0-9]+(?:\.[0-9]+)?")
_NUMBER_YI = re.compile(r"(?<=[零〇二三四五六七八九十百千万亿两])一")  # becomes 壹, which pypinyin always reads yi1
_PUNCTUATION = str.maketrans({"。": ".", ";": ".", "、": ",", ":": ",", "—": ",", "~": ","})
_UNSPOKEN = re.compile(rf"[^{_HANZI}A-Za-z,.?! ]+")
_HANZI_RUN = re.compile(rf"[{_HANZI}]+")


class Synthesizer(Protocol):
    """Text-to-speech for the phone line."""

    async def synthesize(self, text: str, *, slow: bool = False) -> bytes:
        """Speech for ``text`` as 8 kHz signed 16-bit little-endian mono PCM."""


class CacheInfo(NamedTuple):
    """Cache statistics, as ``functools.lru_cache`` reports them."""

    hits: int
    misses: int
    maxsize: int
    currsize: int


def _digits(number: str) -> str:
    return " ".join(_DIGIT_HANZI[int(d)] for d in number if d.isdigit())


def _number(match: re.Match[str]) -> str:
    number = match.group()
    if len(number) > 1 and number.startswith("0") and "." not in number:
        return _digits(number)
    try:
        return cn2an.an2cn(number)
    except ValueError:  # more than 16 digits
        return _digits(number)


def to_pinyin(text: str) -> str:
    """``text`` as the ``cmn-latn-pinyin`` voice should get it: tone-numbered pinyin, Latin words and
    ``,.?!``; emoji and other symbols dropped. Empty when nothing is left to say."""
    text = unicodedata.normalize("NFKC", text).translate(_PUNCTUATION)
    text = _SPACED_DIGITS.sub(lambda m: f" {_digits(m.group())} ", text)
    text = _NUMBER.sub(_number, text)
    text = _UNSPOKEN.sub(" ", _NUMBER_YI.sub("壹", text))
    text = _HANZI_RUN.sub(
        lambda m: " " + " ".join(lazy_pinyin(m.group(), style=Style.TONE3, neutral_tone_with_five=True)) + " ", text
    )
    text = " ".join(text.split())
    return text if re.search("[A-Za-z]", text) else ""


async def _render(text: str, voice: str, rate: int) -> tuple[np.ndarray, int]:
    """Samples (int16) and sample rate of espeak-ng speaking ``text``, in a process of its own."""
    process = await asyncio.create_subprocess_exec(
        ESPEAK, "-v", voice, "-s", str(rate), "-a", str(_AMPLITUDE), "--stdout", "--", text,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out, err = await process.communicate()
    if process.returncode != 0:
        raise RuntimeError(f"espeak-ng failed ({process.returncode}): {err.decode(errors='replace')[:200]}")
    with wave.open(io.BytesIO(out), "rb") as wav:
        return np.frombuffer(wav.readframes(wav.getnframes()), dtype="<i2"), wav.getframerate()


def _to_phone_pcm(samples: np.ndarray, rate: int) -> bytes:
    """8 kHz PCM bytes, silence trimmed to ``_MARGIN`` and padded to whole frames."""
    pcm = soxr.resample(samples, rate, SAMPLE_RATE)
    loud = np.flatnonzero(np.abs(pcm.astype(np.int32)) > _SILENCE)
    if loud.size == 0:
        return b""
    pcm = pcm[max(loud[0] - _MARGIN, 0) : loud[-1] + 1 + _MARGIN]
    pcm = np.pad(pcm, (0, -len(pcm) % (FRAME_BYTES // 2)))
    return pcm.astype("<i2").tobytes()


class EspeakSynthesizer:
    """``Synthesizer`` on espeak-ng, with an LRU cache; use it from one event loop."""

    def __init__(
        self, *, voice: str = "cmn-latn-pinyin", rate: int = 150, slow_rate: int = 110, cache_size: int = 256
    ) -> None:
        if cache_size < 0:
            raise ValueError("cache_size must be >= 0")
        self.voice = voice
        self.rate = rate
        self.slow_rate = slow_rate
        self._cache: OrderedDict[tuple[str, bool], bytes] = OrderedDict()
        self._cache_size = cache_size
        self._hits = 0
        self._misses = 0

    def cache_info(self) -> CacheInfo:
        """Hits, misses, bound and current size of the cache."""
        return CacheInfo(self._hits, self._misses, self._cache_size, len(self._cache))

    async def synthesize(self, text: str, *, slow: bool = False) -> bytes:
        """Speech for ``text`` as 8 kHz signed 16-bit little-endian mono PCM; ``b""`` if nothing to say."""
        key = (text, slow)
        if (pcm := self._cache.get(key)) is not None:
            self._cache.move_to_end(key)
            self._hits += 1
            return pcm
        self._misses += 1
        pcm = b""
        if spoken := to_pinyin(text):
            pcm = _to_phone_pcm(*await _render(spoken, self.voice, self.slow_rate if slow else self.rate))
        self._cache[key] = pcm
        while len(self._cache) > self._cache_size:
            self._cache.popitem(last=False)
        return pcm

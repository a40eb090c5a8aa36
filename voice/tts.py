"""Mandarin speech for the phone line: pyttsx3 over espeak-ng, returned as 8 kHz 16-bit PCM.

``EspeakSynthesizer`` turns a reply into pinyin, has espeak-ng speak it through pyttsx3, resamples the
22 050 Hz result to 8 kHz with soxr, trims silence to about 100 ms each side, pads to whole 20 ms
frames (320 bytes) and keeps recent results in a bounded LRU cache keyed by ``(text, slow)``.

Measured on espeak-ng 1.51 (Debian) with pyttsx3 2.99:

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
- Volume 0.8: at full volume espeak's samples reach 32 753 and the 8 kHz resample clips (8 samples
  in a 7 s prompt); at 0.8 the peak is 29 779.
- pyttsx3 is reliable only with two waits: the first ``runAndWait()`` may return before the file is
  written, and a rate change may land one utterance late. An empty ``runAndWait()`` after ``init`` and
  ``_espeak.Synchronize()`` after each ``setProperty``/``runAndWait`` gave 0 wrong files in 600 calls
  alternating two rates (48 wrong in 200 without them). Its first utterance is byte-identical to
  ``espeak-ng --stdout``; later ones differ by up to ~1% in length, since espeak's pitch-flutter
  index (a static in wavegen.c) runs on between utterances: same pitch, spectrum and loudness
  contour. A short uncached prompt takes 16-23 ms (p50, resampling included) against 14 ms for a
  bare ``espeak-ng`` subprocess, and both finish 10 concurrent prompts in about 230 ms on this
  2-CPU machine: no reason to leave pyttsx3, the design's choice.
- pyttsx3 keeps one espeak engine per process (``pyttsx3.init`` caches it per driver and libespeak
  has one global synthesis callback), and engines are not thread-safe: every pyttsx3 call runs on one
  module-wide worker thread that all synthesizers share. The driver prints "Audio saved to ..." for
  every file; that module's ``print`` is silenced (only that module's: other threads' output is untouched).
"""

import asyncio
import functools
import re
import tempfile
import unicodedata
import wave
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import NamedTuple, Protocol

import cn2an
import numpy as np
import pyttsx3
import soxr
from pypinyin import Style, lazy_pinyin
from pyttsx3.drivers import _espeak
from pyttsx3.drivers import espeak as espeak_driver

from voice.audiosocket import FRAME_BYTES, SAMPLE_RATE

_VOLUME = 0.8
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


class _Engine:
    """The process's pyttsx3 espeak engine; used only on ``_WORKER``."""

    def __init__(self) -> None:
        espeak_driver.print = _silent  # type: ignore[attr-defined]  # "Audio saved to …" for every file
        self._engine = pyttsx3.init("espeak")
        self._engine.setProperty("volume", _VOLUME)
        _espeak.Synchronize()
        self._engine.runAndWait()  # the first run can return before its file is written
        _espeak.Synchronize()
        self._dir = tempfile.TemporaryDirectory(prefix="eldercare-tts-")
        self._wav = Path(self._dir.name) / "speech.wav"

    def render(self, text: str, voice: str, rate: int) -> tuple[np.ndarray, int]:
        """Samples (int16) and sample rate of espeak speaking ``text``."""
        self._wav.unlink(missing_ok=True)
        self._engine.setProperty("voice", voice)
        _espeak.Synchronize()
        self._engine.setProperty("rate", rate)
        _espeak.Synchronize()
        self._engine.save_to_file(text, str(self._wav))
        self._engine.runAndWait()
        _espeak.Synchronize()
        with wave.open(str(self._wav), "rb") as wav:
            return np.frombuffer(wav.readframes(wav.getnframes()), dtype="<i2"), wav.getframerate()


def _silent(*_args: object, **_kwargs: object) -> None:
    """Stands in for ``print`` inside pyttsx3's espeak driver."""


_WORKER = ThreadPoolExecutor(max_workers=1, thread_name_prefix="espeak-tts")


@functools.cache
def _engine() -> _Engine:
    return _Engine()


def _to_phone_pcm(samples: np.ndarray, rate: int) -> bytes:
    """8 kHz PCM bytes, silence trimmed to ``_MARGIN`` and padded to whole frames."""
    pcm = soxr.resample(samples, rate, SAMPLE_RATE)
    loud = np.flatnonzero(np.abs(pcm.astype(np.int32)) > _SILENCE)
    if loud.size == 0:
        return b""
    pcm = pcm[max(loud[0] - _MARGIN, 0) : loud[-1] + 1 + _MARGIN]
    pcm = np.pad(pcm, (0, -len(pcm) % (FRAME_BYTES // 2)))
    return pcm.astype("<i2").tobytes()


def _speak(spoken: str, voice: str, rate: int) -> bytes:
    return _to_phone_pcm(*_engine().render(spoken, voice, rate))


class EspeakSynthesizer:
    """``Synthesizer`` on espeak-ng via pyttsx3, with an LRU cache; use it from one event loop."""

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
            rate = self.slow_rate if slow else self.rate
            pcm = await asyncio.get_running_loop().run_in_executor(_WORKER, _speak, spoken, self.voice, rate)
        self._cache[key] = pcm
        while len(self._cache) > self._cache_size:
            self._cache.popitem(last=False)
        return pcm

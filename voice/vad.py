"""Endpointing of a caller's utterances from 20 ms frames of 8 kHz phone audio (webrtcvad; no I/O).

A frame is voiced when webrtcvad says so and it is at least ``NOISE_MARGIN_DB`` louder than the
line's noise floor. webrtcvad alone takes steady hiss of -50..-40 dBFS that follows speech for
speech, for seconds (its noise model adapts slowly), so an utterance would not end; and it holds
"speech" for ~80 ms after a single loud frame. The floor follows the quietest frames at once and
rises by ``FLOOR_RISE_DB`` a frame, so it settles on the line's noise within seconds. On a line
that sends digital silence between words (discontinuous transmission) the floor stays at
``FLOOR_MIN_DBFS`` and webrtcvad, reliable there, decides alone; when such silence gives way to
hiss, the floor needs a second or two to climb to it.

Speech starts after ``start_ms`` of consecutive voiced frames, so a click or a burst of line noise
does not open an utterance; it ends after ``end_silence_ms`` without voice, long enough for an
elderly caller's pauses mid-sentence. Noise that is loud, sudden and lasting (a knock, a rustle by
the mouthpiece) can still pass for speech: such an utterance goes to the recogniser, which hears
nothing or little in it. Steady noise, however loud, settles into the floor.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

import numpy as np
import webrtcvad

from voice.audiosocket import FRAME_BYTES, FRAME_MS, SAMPLE_RATE

TAIL_MS = 200
"""Silence kept after the last voiced frame, so the recogniser hears the end of the last word."""
NOISE_MARGIN_DB = 10.0
FLOOR_RISE_DB = 0.1
"""5 dB a second."""
FLOOR_MIN_DBFS = -70.0
"""Frames are measured no quieter than this, so the quietest speech counted is -60 dBFS."""


@dataclass(frozen=True)
class Utterance:
    """One utterance: the audio from a little before speech began to a little after it ended."""

    pcm: bytes
    """8 kHz signed 16-bit little-endian mono."""
    speech_ms: int
    """From the first to the last voiced frame."""


def _frames(ms: int) -> int:
    return max(1, ms // FRAME_MS)


def _level_dbfs(frame: bytes) -> float:
    samples = np.frombuffer(frame, dtype="<i2").astype(np.float64)
    return 10.0 * float(np.log10(np.mean(samples * samples) / 32768.0**2 + 1e-12))


class Endpointer:
    """Turns a stream of 20 ms frames into utterances; one per call, used from one thread."""

    def __init__(
        self,
        *,
        aggressiveness: int = 3,
        start_ms: int = 120,
        end_silence_ms: int = 900,
        max_utterance_ms: int = 15000,
        preroll_ms: int = 200,
    ) -> None:
        if not 0 <= aggressiveness <= 3:
            raise ValueError(f"aggressiveness must be 0..3, not {aggressiveness}")
        self.start_frames = _frames(start_ms)
        self.end_frames = _frames(end_silence_ms)
        self.max_frames = _frames(max_utterance_ms)
        self.tail_frames = min(_frames(TAIL_MS), self.end_frames)
        # Before speech: the pre-roll and the voiced run that may turn out to be its start.
        self._recent: deque[bytes] = deque(maxlen=_frames(preroll_ms) + self.start_frames)
        self._frames: list[bytes] = []
        self._vad = webrtcvad.Vad(aggressiveness)
        self._floor_db: float | None = None  # the line's noise, kept across utterances
        self.reset()

    @property
    def speaking(self) -> bool:
        """Speech has started and not yet ended (the moment to stop a prompt: barge-in)."""
        return bool(self._frames)

    def reset(self) -> None:
        """Forget any audio heard so far (a key was pressed, a new question is asked)."""
        self._pending = b""  # less than a frame, waiting for the rest
        self._recent.clear()
        self._frames = []
        self._voiced_run = 0
        self._silent_run = 0
        self._speech_frames = 0  # from the first voiced frame to the last one so far

    @property
    def heard_frames(self) -> int:
        """Frames of the utterance in progress so far (0 when none has begun)."""
        return len(self._frames)

    def heard(self, start: int = 0) -> bytes:
        """The utterance in progress from its frame ``start`` on, to recognise it while it is spoken."""
        return b"".join(self._frames[start:])

    def push(self, frame: bytes) -> Utterance | None:
        """Take the next frame; returns the utterance that it ended, if any. Frames should be 320
        bytes; audio of other lengths is taken 20 ms at a time as it adds up (a stray odd byte is
        dropped), and of two utterances ended by one push of seconds of audio the last is returned."""
        self._pending += frame[: len(frame) - len(frame) % 2]
        ended = None
        while len(self._pending) >= FRAME_BYTES:
            ended = self._push(self._pending[:FRAME_BYTES]) or ended
            self._pending = self._pending[FRAME_BYTES:]
        return ended

    def _push(self, frame: bytes) -> Utterance | None:
        voiced = self._voiced(frame)
        if not self._frames:
            self._recent.append(frame)
            self._voiced_run = self._voiced_run + 1 if voiced else 0
            if self._voiced_run >= self.start_frames:
                self._frames = list(self._recent)
                self._speech_frames = self.start_frames
                self._silent_run = 0
                self._recent.clear()
            return None
        self._frames.append(frame)
        if voiced:
            self._speech_frames += self._silent_run + 1
            self._silent_run = 0
        else:
            self._silent_run += 1
        if self._silent_run >= self.end_frames or len(self._frames) >= self.max_frames:
            return self._finish()
        return None

    def _voiced(self, frame: bytes) -> bool:
        speech = self._vad.is_speech(frame, SAMPLE_RATE)  # on every frame: it adapts to the line
        level = max(_level_dbfs(frame), FLOOR_MIN_DBFS)
        floor = level if self._floor_db is None else min(level, self._floor_db + FLOOR_RISE_DB)
        self._floor_db = floor
        return speech and level >= floor + NOISE_MARGIN_DB

    def _finish(self) -> Utterance:
        drop = max(0, self._silent_run - self.tail_frames)
        frames = self._frames[: len(self._frames) - drop]
        utterance = Utterance(b"".join(frames), self._speech_frames * FRAME_MS)
        self.reset()
        return utterance

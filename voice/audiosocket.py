"""Asterisk AudioSocket: the frames of a call's TCP connection (CONTRACTS.md §5).

Each frame is one type byte, a two-byte big-endian length and the payload. Asterisk sends the
call's UUID first, then 20 ms of caller audio every 20 ms (signed 16-bit little-endian, 8 kHz,
mono), DTMF digits as they are pressed, and a hang-up frame (or simply closes the connection).
We send audio frames back, paced in real time, and a hang-up frame to end the call.
"""

from __future__ import annotations

import asyncio
import struct
import uuid
from dataclasses import dataclass
from enum import IntEnum

SAMPLE_RATE = 8000
FRAME_MS = 20
FRAME_BYTES = SAMPLE_RATE * FRAME_MS // 1000 * 2  # 320
_HEADER = struct.Struct(">BH")


class Kind(IntEnum):
    HANGUP = 0x00
    UUID = 0x01
    SILENCE = 0x02
    DTMF = 0x03
    AUDIO = 0x10
    ERROR = 0xFF


@dataclass(frozen=True)
class Frame:
    kind: int
    payload: bytes = b""

    @property
    def call_id(self) -> str:
        """The UUID frame's payload as the canonical UUID string Asterisk's dialplan shows."""
        return str(uuid.UUID(bytes=self.payload))

    @property
    def digit(self) -> str:
        return self.payload[:1].decode("ascii", "replace")


def encode(kind: int, payload: bytes = b"") -> bytes:
    if len(payload) > 0xFFFF:
        raise ValueError("an AudioSocket payload holds at most 65 535 bytes")
    return _HEADER.pack(kind, len(payload)) + payload


async def read_frame(reader: asyncio.StreamReader) -> Frame | None:
    """The next frame, or None when the connection ended (cleanly or in the middle of a frame)."""
    try:
        kind, length = _HEADER.unpack(await reader.readexactly(_HEADER.size))
        payload = await reader.readexactly(length) if length else b""
    except (asyncio.IncompleteReadError, ConnectionError):
        return None
    return Frame(kind, payload)


def audio_frames(pcm: bytes) -> list[bytes]:
    """``pcm`` cut into encoded 20 ms audio frames, the last one padded with silence."""
    if len(pcm) % FRAME_BYTES:
        pcm += b"\x00" * (FRAME_BYTES - len(pcm) % FRAME_BYTES)
    return [encode(Kind.AUDIO, pcm[i:i + FRAME_BYTES]) for i in range(0, len(pcm), FRAME_BYTES)]

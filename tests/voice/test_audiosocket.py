"""AudioSocket frames: what Asterisk sends and what we send back (CONTRACTS.md §5)."""

from __future__ import annotations

import asyncio
import uuid

import pytest

from voice.audiosocket import FRAME_BYTES, Frame, Kind, audio_frames, encode, read_frame


def _reader(data: bytes) -> asyncio.StreamReader:
    reader = asyncio.StreamReader()
    reader.feed_data(data)
    reader.feed_eof()
    return reader


def test_a_frame_is_type_length_payload() -> None:
    assert encode(Kind.DTMF, b"5") == b"\x03\x00\x015"
    assert encode(Kind.HANGUP) == b"\x00\x00\x00"
    assert encode(Kind.AUDIO, b"\x01\x02" * 160)[:3] == b"\x10\x01\x40"
    with pytest.raises(ValueError):
        encode(Kind.AUDIO, b"x" * 70_000)


async def test_frames_are_read_back_in_order_until_the_end() -> None:
    call = uuid.uuid4()
    reader = _reader(encode(Kind.UUID, call.bytes) + encode(Kind.DTMF, b"1") + encode(Kind.AUDIO, b"\0" * 320)
                     + encode(Kind.HANGUP))
    frames = [await read_frame(reader) for _ in range(5)]
    assert frames[0] == Frame(Kind.UUID, call.bytes) and frames[0].call_id == str(call)
    assert frames[1].digit == "1"
    assert frames[2].kind == Kind.AUDIO and len(frames[2].payload) == FRAME_BYTES
    assert frames[3] == Frame(Kind.HANGUP)
    assert frames[4] is None


async def test_a_connection_cut_mid_frame_is_an_end_not_an_error() -> None:
    assert await read_frame(_reader(b"\x10\x01\x40" + b"\0" * 100)) is None
    assert await read_frame(_reader(b"\x10")) is None


def test_audio_is_cut_into_20_ms_frames_and_the_last_is_padded() -> None:
    frames = audio_frames(b"\x01\x00" * 500)  # 1000 bytes: three full frames and 40 bytes
    assert len(frames) == 4
    assert all(f[:3] == b"\x10\x01\x40" and len(f) == 3 + FRAME_BYTES for f in frames)
    assert frames[-1].endswith(b"\0" * (FRAME_BYTES - 40))
    assert audio_frames(b"") == []

"""The browser phone's socket adapter: frames in order, and a bounded buffer."""

from __future__ import annotations

import asyncio

import pytest

from voice.websocket import SocketReader


async def test_frames_are_read_as_they_were_sent_across_messages() -> None:
    reader = SocketReader()
    await reader.feed(b"\x03\x00")
    await reader.feed(b"\x011\x10")
    assert await reader.readexactly(3) == b"\x03\x00\x01"
    assert await reader.readexactly(1) == b"1"
    await reader.end()
    with pytest.raises(asyncio.IncompleteReadError):
        await reader.readexactly(3)


async def test_a_caller_sending_faster_than_the_line_reads_is_held_back() -> None:
    reader = SocketReader(limit=1000)
    await reader.feed(b"x" * 1000)
    blocked = asyncio.create_task(reader.feed(b"y" * 10))
    await asyncio.sleep(0.05)
    assert not blocked.done()  # nothing more is taken until the call reads
    await reader.readexactly(500)
    await asyncio.wait_for(blocked, 1)
    assert await reader.readexactly(510) == b"x" * 500 + b"y" * 10

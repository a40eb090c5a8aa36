"""Playing prompts: paced, and stopped at once when the caller presses a key or speaks."""

from __future__ import annotations

import asyncio

from voice.call import CallTiming, Speaker


async def test_a_stopped_prompt_stops_at_once() -> None:
    received = bytearray()

    async def listener(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while data := await reader.read(65536):
            received.extend(data)

    server = await asyncio.start_server(listener, "127.0.0.1", 0)
    _, writer = await asyncio.open_connection(*server.sockets[0].getsockname()[:2])
    speaker = Speaker(writer, CallTiming(frame_seconds=0.005))
    speaker.play(b"\x01\x00" * 160 * 400)  # 400 frames, 2 s at this pace
    await asyncio.sleep(0.1)
    speaker.stop()
    await speaker.wait_idle()
    await asyncio.sleep(0.2)
    frames = len(received) // 323
    assert 5 <= frames <= 40  # ~20 in 0.1 s and the few sent ahead; not the rest of the prompt
    writer.close()
    server.close()

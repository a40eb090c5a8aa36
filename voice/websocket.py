"""The phone line in a browser: the same call over a WebSocket (``/phone/ws``), to try the line
without a PBX, or for a family member at a computer.

Binary messages carry AudioSocket frames both ways (CONTRACTS.md §5: the microphone's audio as
8 kHz 16-bit frames and keypad digits in, speech and a hang-up out); text messages carry each
reply's words as JSON (``{"say": …}``), shown as subtitles for callers who hear poorly. A browser
caller is anonymous: they can ask and hear what the line offers, and are told how to register
before booking.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid

from aiohttp import WSMsgType, web

from voice.call import Call, Line, counted, take


class SocketWriter:
    """What a call writes to (a stream writer's ``write``/``drain``/``close``), on a WebSocket."""

    def __init__(self, socket: web.WebSocketResponse) -> None:
        self.socket = socket
        self._pending = bytearray()

    def write(self, data: bytes) -> None:
        self._pending += data

    async def drain(self) -> None:
        if self.socket.closed:
            raise ConnectionResetError("the browser hung up")
        if self._pending:
            data, self._pending = bytes(self._pending), bytearray()
            await self.socket.send_bytes(data)

    def close(self) -> None:
        if not self.socket.closed:
            asyncio.get_running_loop().create_task(self.socket.close())

    async def subtitles(self, text: str) -> None:
        if self.socket.closed:
            raise ConnectionResetError("the browser hung up")
        await self.socket.send_json({"say": text})


async def _pump(socket: web.WebSocketResponse, reader: asyncio.StreamReader) -> None:
    """The browser's frames into the stream the call reads; the socket's end is the call's end."""
    try:
        async for message in socket:
            if message.type == WSMsgType.BINARY:
                reader.feed_data(message.data)
    finally:
        reader.feed_eof()


async def answer_websocket(line: Line, request: web.Request) -> web.WebSocketResponse:
    socket = web.WebSocketResponse(max_msg_size=64 * 1024, heartbeat=30)
    await socket.prepare(request)
    reader = asyncio.StreamReader()
    writer = SocketWriter(socket)
    pump = asyncio.create_task(_pump(socket, reader))
    with counted(line):
        try:
            await take(Call(line, reader, writer, str(uuid.uuid4()), subtitles=writer.subtitles))  # type: ignore[arg-type]
        finally:
            pump.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await pump
            await socket.close()
    return socket

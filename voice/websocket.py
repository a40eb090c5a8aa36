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
        """Closed by ``answer_websocket`` when the call ends (a stream writer's close is immediate)."""

    async def subtitles(self, text: str) -> None:
        if self.socket.closed:
            raise ConnectionResetError("the browser hung up")
        await self.socket.send_json({"say": text})


class SocketReader:
    """What a call reads from (``readexactly``), fed by the browser's messages. Holds at most
    ``limit`` bytes: beyond that the pump stops taking messages, so a caller cannot fill memory."""

    def __init__(self, limit: int = 256 * 1024) -> None:
        self.limit = limit
        self._buffer = bytearray()
        self._ended = False
        self._changed = asyncio.Condition()

    async def feed(self, data: bytes) -> None:
        async with self._changed:
            await self._changed.wait_for(lambda: len(self._buffer) < self.limit or self._ended)
            self._buffer += data
            self._changed.notify_all()

    async def end(self) -> None:
        async with self._changed:
            self._ended = True
            self._changed.notify_all()

    async def readexactly(self, n: int) -> bytes:
        async with self._changed:
            await self._changed.wait_for(lambda: len(self._buffer) >= n or self._ended)
            if len(self._buffer) < n:
                raise asyncio.IncompleteReadError(bytes(self._buffer), n)
            data, self._buffer = bytes(self._buffer[:n]), self._buffer[n:]
            self._changed.notify_all()
            return data


async def _pump(socket: web.WebSocketResponse, reader: SocketReader) -> None:
    """The browser's frames into what the call reads; the socket's end is the call's end."""
    try:
        async for message in socket:
            if message.type == WSMsgType.BINARY:
                await reader.feed(message.data)
    finally:
        await reader.end()


async def answer_websocket(line: Line, request: web.Request) -> web.WebSocketResponse:
    socket = web.WebSocketResponse(max_msg_size=64 * 1024, heartbeat=30)
    await socket.prepare(request)
    reader = SocketReader()
    writer = SocketWriter(socket)
    pump = asyncio.create_task(_pump(socket, reader))
    with counted(line, browser=True):
        try:
            await take(Call(line, reader, writer, str(uuid.uuid4()), subtitles=writer.subtitles,  # type: ignore[arg-type]
                            browser=True))
        finally:
            pump.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await pump
            await socket.close()
    return socket

"""One phone call: the caller's keys and voice in, the assistant's replies spoken back.

The way of a call: the UUID frame names the call → the number the dialplan registered for it says
who is calling → the assistant greets → until someone hangs up, a key press or an utterance
(endpointed by the VAD, recognised by vosk) becomes a ``Turn`` and the replies are synthesised and
played back in real time. A key, or the caller starting to speak, stops the prompt (barge-in).
Silence after a prompt gets "我没有听到您说话" and the question again; after ``max_silences`` of
them the call ends politely. If anything fails, the caller is told and handed to a person.
A caller who hangs up mid-booking loses nothing: the dialogue state is kept for 30 minutes and a
call-back picks it up (``Assistant.greet``).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime

from assistant import Assistant, Reply, Turn, UserRef, identify
from assistant.types import ANONYMOUS
from care.catalog import TZ
from care.db import SessionFactory
from voice import phrases as P
from voice.asr import RecognitionStream, Recognizer
from voice.audiosocket import FRAME_BYTES, SAMPLE_RATE, Kind, audio_frames, encode, read_frame
from voice.registry import CallRegistry
from voice.tts import Synthesizer
from voice.vad import Endpointer

log = logging.getLogger(__name__)


def _now() -> datetime:
    return datetime.now(TZ)


@dataclass(frozen=True)
class CallTiming:
    frame_seconds: float = 0.02
    """Pace of the audio sent back (real time; tests may go faster)."""
    no_input_seconds: float = 8.0
    """Silence after a prompt has finished before the question is asked again."""
    max_silences: int = 2
    pause_seconds: float = 0.3
    """Silence between two replies spoken one after the other."""
    barge_in_by_voice: bool = True
    """Stop the prompt as soon as the caller speaks (off for lines with strong echo)."""
    first_frame_seconds: float = 5.0
    """How long a new connection may take to name its call before it is closed."""


@dataclass
class Line:
    """What every call on the line shares."""

    assistant: Assistant
    synthesizer: Synthesizer
    recognizer: Recognizer | None
    sessions: SessionFactory
    registry: CallRegistry = field(default_factory=CallRegistry)
    clock: Callable[[], datetime] = _now
    timing: CallTiming = field(default_factory=CallTiming)
    endpointer: Callable[[], Endpointer] = Endpointer


@dataclass(frozen=True)
class Event:
    kind: str  # digit | speech | hangup
    digit: str = ""
    text: str = ""
    """What was recognised of an utterance ('' when nothing was, or there is no recognizer)."""


FEED_FRAMES = 10
"""An utterance goes to the recognizer every 200 ms while it is spoken, so little is left at its end."""


class Speaker:
    """Plays audio to the caller in 20 ms frames at the line's pace; can be stopped at any frame."""

    PREBUFFER = 3  # frames sent ahead, so network jitter does not starve Asterisk's buffer

    def __init__(self, writer: asyncio.StreamWriter, frame_seconds: float) -> None:
        self.writer = writer
        self.frame_seconds = frame_seconds
        self._task: asyncio.Task[None] | None = None

    @property
    def playing(self) -> bool:
        return self._task is not None and not self._task.done()

    def play(self, pcm: bytes) -> None:
        self.stop()
        self._task = asyncio.create_task(self._send(audio_frames(pcm)))

    def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()

    async def wait_idle(self) -> None:
        if self._task is not None:
            await asyncio.wait({self._task})

    async def _send(self, frames: list[bytes]) -> None:
        loop = asyncio.get_running_loop()
        started = loop.time()
        try:
            for i, frame in enumerate(frames):
                self.writer.write(frame)
                await self.writer.drain()
                delay = started + (i + 1 - self.PREBUFFER) * self.frame_seconds - loop.time()
                if delay > 0:
                    await asyncio.sleep(delay)
        except ConnectionError:
            pass  # the caller hung up; the listener sees the end of the connection


class Call:
    def __init__(self, line: Line, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, call_id: str) -> None:
        self.line = line
        self.reader = reader
        self.writer = writer
        self.call_id = call_id
        self.speaker = Speaker(writer, line.timing.frame_seconds)
        self.events: asyncio.Queue[Event] = asyncio.Queue()
        self.endpointer = line.endpointer()
        self._audio: asyncio.Queue[bytes | None] = asyncio.Queue()
        """Pieces of the utterance being spoken, for the recognizer; None closes one."""
        self._fed = 0
        """Frames of the utterance in progress already queued for the recognizer."""
        self._greeted = asyncio.Event()

    async def run(self) -> str:
        """Hold the conversation until either side hangs up; returns ``hangup`` or ``transfer``."""
        user = await self._identify()
        workers = [asyncio.create_task(self._listen()), asyncio.create_task(self._recognize())]
        outcome = "hangup"
        try:
            outcome = await self._converse(user)
        finally:
            for worker in workers:
                worker.cancel()
            self.speaker.stop()
            self.line.registry.finish(self.call_id, outcome, time.monotonic())
            with contextlib.suppress(ConnectionError):
                self.writer.write(encode(Kind.HANGUP))
                await self.writer.drain()
            self.writer.close()
        return outcome

    async def _identify(self) -> UserRef:
        number = self.line.registry.caller(self.call_id, time.monotonic())
        if not number:
            return UserRef(ANONYMOUS, key=f"call:{self.call_id}")
        async with self.line.sessions.reading() as session:
            return await identify(session, "phone", phone=number)

    async def _converse(self, user: UserRef) -> str:
        assistant = self.line.assistant
        replies = await self._guarded(assistant.greet(self._turn(user)))
        silences = 0
        while True:
            action = await self._say(replies)
            self._greeted.set()
            if action in ("hangup", "transfer"):
                await self.speaker.wait_idle()
                return action
            event = await self._next_event()
            if event is None:
                silences += 1
                if silences > self.line.timing.max_silences:
                    await self._say([Reply(P.NO_ANSWER_GOODBYE, speak=P.NO_ANSWER_GOODBYE)])
                    await self.speaker.wait_idle()
                    return "hangup"
                replies = await self._guarded(assistant.handle(self._turn(user)))
                continue
            if event.kind == "hangup":
                return "hangup"
            silences = 0
            turn = self._turn(user, dtmf=event.digit) if event.kind == "digit" else self._turn(user, text=event.text)
            replies = await self._guarded(assistant.handle(turn))

    def _turn(self, user: UserRef, *, text: str | None = None, dtmf: str | None = None) -> Turn:
        return Turn(channel="phone", user=user, at=self.line.clock(), text=text or None, dtmf=dtmf)

    async def _guarded(self, replies: Awaitable[list[Reply]]) -> list[Reply]:
        """The assistant's replies, or, when it fails, an apology and a person: never silence."""
        try:
            return await replies
        except Exception:
            log.exception("call %s: the assistant failed", self.call_id)
            return [Reply(P.SYSTEM_TROUBLE, speak=P.SYSTEM_TROUBLE, action="transfer")]

    async def _say(self, replies: list[Reply]) -> str | None:
        """Start playing the replies (one after another); returns the action they carry, if any."""
        pause = b"\x00" * (int(SAMPLE_RATE * self.line.timing.pause_seconds) * 2)
        parts = [await self.line.synthesizer.synthesize(r.speak or r.text, slow=r.extras.get("rate") == "slow")
                 for r in replies]
        self.speaker.play(pause.join(p for p in parts if p))
        return next((r.action for r in replies if r.action), None)

    async def _recognize(self) -> None:
        """Decode utterances as they are spoken (in a worker thread) and report what was said."""
        recognizer = self.line.recognizer
        stream: RecognitionStream | None = None
        if recognizer is not None:
            await self._greeted.wait()  # the caller hears the line first; many calls at once share the CPUs
            try:  # creating and warming a recognizer takes a moment: done while the greeting plays
                stream = await asyncio.to_thread(recognizer.stream)
            except Exception:
                log.exception("call %s: no speech recognition", self.call_id)
        while True:
            piece = await self._audio.get()
            if stream is None:
                if piece is None:
                    await self.events.put(Event("speech"))
            elif piece is None:
                await self.events.put(Event("speech", text=(await asyncio.to_thread(stream.result)).text))
            else:
                await asyncio.to_thread(stream.accept, piece)

    async def _next_event(self) -> Event | None:
        """The caller's next key, utterance or hang-up; None after ``no_input_seconds`` of silence
        once the prompt has finished (a caller in the middle of speaking is waited for)."""
        getter = asyncio.ensure_future(self.events.get())
        idle = asyncio.ensure_future(self.speaker.wait_idle())
        try:
            await asyncio.wait({getter, idle}, return_when=asyncio.FIRST_COMPLETED)
            while not getter.done():
                await asyncio.wait({getter}, timeout=self.line.timing.no_input_seconds)
                if not getter.done() and not self.endpointer.speaking:
                    return None
            return getter.result()
        finally:
            getter.cancel()
            idle.cancel()

    async def _listen(self) -> None:
        """Turn the caller's frames into events; a key or the start of speech stops the prompt."""
        while True:
            frame = await read_frame(self.reader)
            if frame is None or frame.kind in (Kind.HANGUP, Kind.ERROR):
                await self.events.put(Event("hangup"))
                return
            if frame.kind == Kind.DTMF:
                self.speaker.stop()
                self.endpointer.reset()
                await self.events.put(Event("digit", digit=frame.digit))
            elif frame.kind == Kind.AUDIO:
                self._hear(frame.payload)

    def _hear(self, pcm: bytes) -> None:
        utterance = self.endpointer.push(pcm)
        if self.line.timing.barge_in_by_voice and self.endpointer.speaking:
            self.speaker.stop()
        if utterance is not None:
            self._audio.put_nowait(utterance.pcm[self._fed * FRAME_BYTES:])
            self._audio.put_nowait(None)
            self._fed = 0
        elif self.endpointer.heard_frames - self._fed >= FEED_FRAMES:
            self._audio.put_nowait(self.endpointer.heard(self._fed))
            self._fed = self.endpointer.heard_frames


async def answer(line: Line, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """Serve one AudioSocket connection (the first frame must be the call's UUID)."""
    try:
        first = await asyncio.wait_for(read_frame(reader), line.timing.first_frame_seconds)
    except TimeoutError:
        first = None
    if first is None or first.kind != Kind.UUID or len(first.payload) != 16:
        log.warning("AudioSocket connection without a call UUID closed")
        writer.close()
        return
    call = Call(line, reader, writer, first.call_id)
    log.info("call %s started", call.call_id)
    outcome = await call.run()
    log.info("call %s ended: %s", call.call_id, outcome)


async def start_server(line: Line, host: str, port: int) -> asyncio.Server:
    """Listen for Asterisk's AudioSocket connections."""

    async def on_connect(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            await answer(line, reader, writer)
        except Exception:
            log.exception("AudioSocket connection failed")
            writer.close()

    return await asyncio.start_server(on_connect, host, port)


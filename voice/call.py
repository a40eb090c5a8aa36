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
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from assistant import Assistant, Reply, Turn, UserRef, identify
from assistant.speech import to_speech
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
    """Silences (or sounds nothing was recognised in) in a row before the line says goodbye."""
    pause_seconds: float = 0.3
    """Silence between two replies spoken one after the other."""
    barge_in_by_voice: bool = True
    """Stop the prompt as soon as the caller speaks. Off (lines with strong echo): what is heard while
    a prompt plays is not listened to; keys still stop it."""
    first_frame_seconds: float = 5.0
    """How long a new connection may take to name its call before it is closed."""
    max_call_seconds: float = 1800.0
    """A call still going after this long (a television talking to the line) is ended politely."""
    write_seconds: float = 5.0
    """How long the other side may refuse our audio before the call is taken as gone."""
    synth_seconds: float = 10.0


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
    max_calls: int = 20
    """Phone calls at once; one more is handed straight back to the dialplan (outcome ``transfer``)."""
    max_browser_calls: int = 5
    """Browser calls at once, counted apart: anyone can open the page, and phone callers come first."""
    calls: set[asyncio.Task[None]] = field(default_factory=set, repr=False)
    browser_calls: set[asyncio.Task[None]] = field(default_factory=set, repr=False)


@dataclass(frozen=True)
class Event:
    kind: str  # digit | speech | hangup
    digit: str = ""
    text: str = ""
    """What was recognised of an utterance ('' when nothing was, or there is no recognizer)."""


FEED_FRAMES = 10
"""An utterance goes to the recognizer every 200 ms while it is spoken, so little is left at its end."""
BACKLOG = 100
"""Pieces (20 s of speech) waiting for the recognizer before the line stops reading the socket."""


class Speaker:
    """Plays audio to the caller in 20 ms frames at the line's pace; can be stopped at any frame."""

    PREBUFFER = 3  # frames sent ahead, so network jitter does not starve Asterisk's buffer

    def __init__(self, writer: asyncio.StreamWriter, timing: CallTiming) -> None:
        self.writer = writer
        self.timing = timing
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
                async with asyncio.timeout(self.timing.write_seconds):  # not wait_for: on 3.11 it can lose a stop()
                    await self.writer.drain()
                delay = started + (i + 1 - self.PREBUFFER) * self.timing.frame_seconds - loop.time()
                if delay > 0:
                    await asyncio.sleep(delay)
        except (ConnectionError, TimeoutError):
            self.writer.close()  # gone, or not taking audio: the listener sees the end of the connection


class Call:
    def __init__(self, line: Line, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, call_id: str,
                 subtitles: Callable[[str], Awaitable[None]] | None = None, *, browser: bool = False) -> None:
        self.line = line
        self.subtitles = subtitles
        """Shows each reply's text as it is spoken (the browser phone), for callers who hear poorly."""
        self.browser = browser
        """A browser call: nobody can be put through, so the caller is told whom to ring instead."""
        self.reader = reader
        self.writer = writer
        self.call_id = call_id
        self.speaker = Speaker(writer, line.timing)
        self.events: asyncio.Queue[Event] = asyncio.Queue()
        """What the conversation reacts to, in the order the caller did it."""
        self.endpointer = line.endpointer()
        self._heard: asyncio.Queue[tuple[str, bytes]] = asyncio.Queue(BACKLOG)
        """What the caller did, in order, through the recognizer: ("audio", pcm) pieces of an utterance,
        ("end", b"") closing one, ("discard", b"") dropping one cut short by a key, ("key", digit),
        ("hangup", b"")."""
        self._fed = 0
        """Frames of the utterance in progress already queued for the recognizer."""
        self._pending = 0
        """Utterances heard whose words are not yet reported."""
        self._greeted = asyncio.Event()

    async def run(self) -> str:
        """Hold the conversation until either side hangs up; returns ``hangup`` or ``transfer``."""
        stream = asyncio.create_task(self._open_stream())
        workers = [stream, asyncio.create_task(self._listen()), asyncio.create_task(self._recognize(stream))]
        outcome = "hangup"
        try:
            outcome = await self._converse(await self._identify())
        except Exception:  # whatever broke, a person takes over: the dialplan dials one
            log.exception("call %s failed", self.call_id)
            outcome = "transfer"
        finally:
            for worker in workers:
                worker.cancel()
            self.speaker.stop()
            await asyncio.gather(*workers, return_exceptions=True)
            self.line.registry.finish(self.call_id, outcome, time.monotonic())
            await hang_up(self.writer, self.line.timing)
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
        deadline = time.monotonic() + self.line.timing.max_call_seconds
        silences = 0
        while True:
            action = await self._say(replies)
            self._greeted.set()
            if action in ("hangup", "transfer"):
                await self.speaker.wait_idle()
                return action
            event = await self._next_event()
            if event is not None and event.kind == "hangup":
                return "hangup"
            heard_nothing = event is None or (event.kind == "speech" and not event.text)
            silences = silences + 1 if heard_nothing else 0
            too_long = time.monotonic() > deadline
            if silences > self.line.timing.max_silences or too_long:
                goodbye = P.LONG_CALL_GOODBYE if too_long else P.NO_ANSWER_GOODBYE
                await self._say([Reply(goodbye, speak=goodbye)])
                await self.speaker.wait_idle()
                return "hangup"
            if event is not None and event.kind == "digit":
                turn = self._turn(user, dtmf=event.digit)
            else:
                turn = self._turn(user, text=event.text if event else None)
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
        if self.browser and any(r.action == "transfer" for r in replies):
            replies = [Reply(P.NO_TRANSFER_ONLINE, speak=to_speech(P.NO_TRANSFER_ONLINE), action="hangup")]
        timing = self.line.timing
        pause = b"\x00" * (int(SAMPLE_RATE * timing.pause_seconds) * 2)
        parts = []
        for reply in replies:
            async with asyncio.timeout(timing.synth_seconds):
                parts.append(await self.line.synthesizer.synthesize(reply.speak or reply.text,
                                                                    slow=reply.extras.get("rate") == "slow"))
        self.speaker.play(pause.join(p for p in parts if p))
        if self.subtitles is not None:
            with contextlib.suppress(ConnectionError):
                await self.subtitles("\n".join(r.text for r in replies))
        return next((r.action for r in replies if r.action), None)

    async def _next_event(self) -> Event | None:
        """The caller's next key, utterance or hang-up; None after ``no_input_seconds`` of silence
        once the prompt has finished (a caller speaking, or words still being recognised, are waited for)."""
        getter = asyncio.ensure_future(self.events.get())
        idle = asyncio.ensure_future(self.speaker.wait_idle())
        try:
            await asyncio.wait({getter, idle}, return_when=asyncio.FIRST_COMPLETED)
            while not getter.done():
                await asyncio.wait({getter}, timeout=self.line.timing.no_input_seconds)
                if not getter.done() and not self.endpointer.speaking and not self._pending:
                    return None
            return getter.result()
        finally:
            getter.cancel()
            idle.cancel()

    async def _listen(self) -> None:
        """Turn the caller's frames into work, in order; a key or the start of speech stops the prompt."""
        while True:
            frame = await read_frame(self.reader)
            if frame is None or frame.kind in (Kind.HANGUP, Kind.ERROR):
                await self._heard.put(("hangup", b""))  # after what was said before it: a "1" to confirm counts
                return
            if frame.kind == Kind.DTMF and frame.payload:
                self.speaker.stop()
                await self._drop_utterance()
                await self._heard.put(("key", frame.payload[:1]))
            elif frame.kind == Kind.AUDIO:
                await self._hear(frame.payload)

    async def _drop_utterance(self) -> None:
        if self.endpointer.heard_frames:
            self.endpointer.reset()
            if self._fed:
                await self._heard.put(("discard", b""))
            self._fed = 0

    async def _hear(self, pcm: bytes) -> None:
        if not self.line.timing.barge_in_by_voice and self.speaker.playing:
            await self._drop_utterance()  # most likely our own prompt's echo
            return
        utterance = self.endpointer.push(pcm)
        if self.line.timing.barge_in_by_voice and self.endpointer.speaking:
            self.speaker.stop()
        if utterance is not None:
            self._pending += 1
            await self._heard.put(("audio", utterance.pcm[self._fed * FRAME_BYTES:]))
            await self._heard.put(("end", b""))
            self._fed = 0
        elif self.endpointer.heard_frames - self._fed >= FEED_FRAMES:
            await self._heard.put(("audio", self.endpointer.heard(self._fed)))
            self._fed = self.endpointer.heard_frames

    async def _open_stream(self) -> RecognitionStream | None:
        """This call's recognizer, created (a moment's work) once the caller hears the greeting."""
        if self.line.recognizer is None:
            return None
        await self._greeted.wait()  # the caller hears the line first; many calls at once share the CPUs
        try:
            return await asyncio.to_thread(self.line.recognizer.stream)
        except Exception:
            log.exception("call %s: no speech recognition", self.call_id)
            return None

    async def _recognize(self, stream: asyncio.Task[RecognitionStream | None]) -> None:
        """Decode utterances as they are spoken (in a worker thread); report words and keys in order."""
        while True:
            kind, data = await self._heard.get()
            if kind in ("key", "hangup"):
                await self.events.put(Event("digit", digit=data.decode("ascii", "replace")) if data else Event(kind))
                continue
            recognizer = await stream
            if kind == "end":
                hypothesis = await self._decode(recognizer.result) if recognizer else None
                self._pending -= 1
                await self.events.put(Event("speech", text=hypothesis.text if hypothesis else ""))
            elif recognizer is not None and kind == "audio":
                await self._decode(recognizer.accept, data)
            elif recognizer is not None:  # discard: what was heard before the key is dropped
                await self._decode(recognizer.result)

    async def _decode(self, work: Callable[..., Any], *args: Any) -> Any:
        try:
            return await asyncio.to_thread(work, *args)
        except Exception:  # one bad utterance is heard as nothing; the call goes on
            log.exception("call %s: recognition failed", self.call_id)
            return None


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
    await take(Call(line, reader, writer, first.call_id))


async def hang_up(writer: asyncio.StreamWriter, timing: CallTiming) -> None:
    with contextlib.suppress(ConnectionError, TimeoutError):
        writer.write(encode(Kind.HANGUP))
        async with asyncio.timeout(timing.write_seconds):
            await writer.drain()
    writer.close()


async def take(call: Call) -> None:
    """Hold the call, unless its part of the line is full: then it goes straight back (outcome
    ``transfer``: the dialplan puts a person on; a browser is told the line is busy)."""
    line = call.line
    calls, most = (line.browser_calls, line.max_browser_calls) if call.browser else (line.calls, line.max_calls)
    if len(calls) > most:
        log.warning("call %s: the line is full (%d calls), handed back", call.call_id, most)
        line.registry.finish(call.call_id, "transfer", time.monotonic())
        if call.subtitles is not None:
            with contextlib.suppress(ConnectionError):
                await call.subtitles(P.LINE_BUSY)
        await hang_up(call.writer, line.timing)
        return
    log.info("call %s started", call.call_id)
    outcome = await call.run()
    log.info("call %s ended: %s", call.call_id, outcome)


async def start_server(line: Line, host: str, port: int) -> asyncio.Server:
    """Listen for Asterisk's AudioSocket connections."""

    async def on_connect(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with counted(line):
            try:
                await answer(line, reader, writer)
            except Exception:
                log.exception("AudioSocket connection failed")
                writer.close()

    return await asyncio.start_server(on_connect, host, port)


@contextlib.contextmanager
def counted(line: Line, *, browser: bool = False) -> Iterator[None]:
    """The current task counts as one of the line's (phone or browser) calls while inside."""
    task = asyncio.current_task()
    assert task is not None
    calls = line.browser_calls if browser else line.calls
    calls.add(task)
    try:
        yield
    finally:
        calls.discard(task)


async def close_line(line: Line, server: asyncio.Server | None) -> None:
    """Stop answering and end the calls in progress (each still tells the dialplan how it ended)."""
    if server is not None:
        server.close()
    calls = [*line.calls, *line.browser_calls]
    for task in calls:
        task.cancel()
    await asyncio.gather(*calls, return_exceptions=True)

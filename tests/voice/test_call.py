"""Whole calls over a real AudioSocket connection: the real assistant, espeak-ng speech, and (for
speech) a real vosk model. Only the caller is simulated: a socket client as Asterisk would be."""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from dataclasses import dataclass, field
from datetime import date

import numpy as np
import pytest
from sqlalchemy import select

from assistant import Assistant, Reply, Turn
from assistant import phrases as AP
from care.models import Handoff, Order
from tests.conftest import NOW
from tests.voice.test_vad import silence, speak, to_pcm, with_hiss
from voice.asr import Hypothesis
from voice.audiosocket import FRAME_BYTES, Kind, encode, read_frame
from voice.call import CallTiming, Line, close_line, start_server
from voice.registry import CallRegistry
from voice.tts import EspeakSynthesizer

pytestmark = pytest.mark.parametrize("db", ["sqlite"], indirect=True)
FAST = CallTiming(frame_seconds=0.0, no_input_seconds=0.4, max_silences=2, pause_seconds=0.05)
ELDER = "13800000001"


@dataclass
class Recorder:
    """The real assistant, with a note of every turn and reply (the test's ears)."""

    assistant: Assistant
    turns: list[Turn] = field(default_factory=list)
    replies: list[list[Reply]] = field(default_factory=list)
    answered: asyncio.Event = field(default_factory=asyncio.Event)

    async def greet(self, turn: Turn) -> list[Reply]:
        return await self._note(turn, self.assistant.greet(turn))

    async def handle(self, turn: Turn) -> list[Reply]:
        return await self._note(turn, self.assistant.handle(turn))

    async def _note(self, turn, replies) -> list[Reply]:  # type: ignore[no-untyped-def]
        self.turns.append(turn)
        self.replies.append(await replies)
        self.answered.set()
        return self.replies[-1]

    def said(self, index: int = -1) -> str:
        return "".join(r.text for r in self.replies[index])

    async def next_answer(self, timeout: float = 10) -> str:
        await asyncio.wait_for(self.answered.wait(), timeout)
        self.answered.clear()
        return self.said()


class Caller:
    """An Asterisk AudioSocket connection, seen from the PBX."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer
        self.audio_frames: list[tuple[float, bytes]] = []
        self.hung_up = asyncio.Event()
        self._task = asyncio.create_task(self._hear())

    async def _hear(self) -> None:
        while (frame := await read_frame(self.reader)) is not None:
            if frame.kind == Kind.AUDIO:
                self.audio_frames.append((time.monotonic(), frame.payload))
            elif frame.kind == Kind.HANGUP:
                break
        self.hung_up.set()

    async def press(self, digits: str) -> None:
        for digit in digits:
            self.writer.write(encode(Kind.DTMF, digit.encode()))
        await self.writer.drain()

    async def speak(self, pcm: bytes) -> None:
        for i in range(0, len(pcm), FRAME_BYTES):
            self.writer.write(encode(Kind.AUDIO, pcm[i:i + FRAME_BYTES].ljust(FRAME_BYTES, b"\0")))
        await self.writer.drain()

    async def hang_up(self) -> None:
        self.writer.write(encode(Kind.HANGUP))
        await self.writer.drain()
        self.writer.close()


@dataclass
class Switchboard:
    """A line listening on a real socket, and a way to ring it as Asterisk would."""

    line: Line
    ears: Recorder
    port: int

    async def call(self, caller: str | None = ELDER) -> tuple[Caller, str]:
        call_id = str(uuid.uuid4())
        if caller is not None:
            self.line.registry.register(call_id, caller, time.monotonic())
        reader, writer = await asyncio.open_connection("127.0.0.1", self.port)
        writer.write(encode(Kind.UUID, uuid.UUID(call_id).bytes))
        await writer.drain()
        return Caller(reader, writer), call_id

    def outcome(self, call_id: str) -> str | None:
        return self.line.registry.outcome(call_id, time.monotonic())


@contextlib.asynccontextmanager
async def switchboard(demo, timing: CallTiming = FAST, assistant=None, recognizer=None):  # type: ignore[no-untyped-def]
    ears = Recorder(assistant or Assistant(demo.sessions))
    line = Line(assistant=ears, synthesizer=EspeakSynthesizer(), recognizer=recognizer,  # type: ignore[arg-type]
                sessions=demo.sessions, registry=CallRegistry(), clock=lambda: NOW, timing=timing)
    server = await start_server(line, "127.0.0.1", 0)
    try:
        yield Switchboard(line, ears, server.sockets[0].getsockname()[1])
    finally:
        server.close()
        await server.wait_closed()


@pytest.fixture
async def board(demo):  # type: ignore[no-untyped-def]
    async with switchboard(demo) as ready:
        yield ready


async def _orders(demo, elder_phone: str = ELDER) -> list[Order]:  # type: ignore[no-untyped-def]
    async with demo.sessions() as session:
        rows = await session.execute(select(Order).join(Order.elder).where(Order.elder.has(phone=elder_phone)))
        return list(rows.scalars().all())


async def test_a_registered_elder_books_tomorrows_lunch_with_1_2_1_1_1(board, demo) -> None:
    caller, call_id = await board.call()
    assert "王秀英您好" in await board.ears.next_answer()
    for digit in "1211":
        await caller.press(digit)
        await board.ears.next_answer()
    assert "对吗" in board.ears.said()  # the read-back before anything is placed
    assert await _orders(demo) == []
    await caller.press("1")
    assert "订好了" in await board.ears.next_answer()
    [order] = await _orders(demo)
    assert (order.kind, order.date, order.window, order.quantity) == ("meal", date(2026, 11, 27), "lunch", 1)
    assert order.channel == "phone"
    assert any(any(payload) for _, payload in caller.audio_frames)  # real speech came back
    await caller.hang_up()
    await asyncio.sleep(0.2)
    assert board.outcome(call_id) == "hangup"


async def test_an_unknown_number_may_ask_but_is_told_how_to_register_before_booking(board) -> None:
    caller, _ = await board.call(caller=None)
    assert (await board.ears.next_answer()).startswith("您好")  # no name: nobody is known
    await caller.press("1")
    assert "登记" in await board.ears.next_answer()
    await caller.hang_up()


async def test_silence_is_asked_about_then_the_call_ends_politely(board) -> None:
    caller, call_id = await board.call()
    await asyncio.wait_for(caller.hung_up.wait(), 10)  # the line hangs up, not the caller
    silent = board.ears.turns[1:]
    assert len(silent) == FAST.max_silences and all(t.text is None and t.dtmf is None for t in silent)
    assert all(AP.EMPTY_INPUT in "".join(r.text for r in replies) for replies in board.ears.replies[1:])
    assert board.outcome(call_id) == "hangup"


async def test_a_caller_cut_off_mid_booking_loses_nothing_and_resumes_on_calling_back(board, demo) -> None:
    caller, _ = await board.call()
    await board.ears.next_answer()
    for digit in "12":  # meal, tomorrow … and the line drops
        await caller.press(digit)
        await board.ears.next_answer()
    await caller.hang_up()
    await asyncio.sleep(0.2)
    assert await _orders(demo) == []
    again, _ = await board.call()
    greeting = await board.ears.next_answer()
    assert AP.WELCOME_BACK in greeting and "午餐" in greeting  # asked which meal again, not from the start
    for digit in "111":
        await again.press(digit)
        await board.ears.next_answer()
    assert "订好了" in board.ears.said()
    assert len(await _orders(demo)) == 1
    await again.hang_up()


async def test_zero_hands_the_caller_to_a_person(board, demo) -> None:
    caller, call_id = await board.call()
    await board.ears.next_answer()
    await caller.press("0")
    await board.ears.next_answer()
    await asyncio.wait_for(caller.hung_up.wait(), 10)  # the audio part ends; the dialplan dials a person
    assert board.outcome(call_id) == "transfer"
    async with demo.sessions() as session:
        assert (await session.execute(select(Handoff))).scalars().first() is not None


async def test_prompts_play_in_real_time_and_a_key_stops_them_at_once(demo) -> None:
    async with switchboard(demo, CallTiming(frame_seconds=0.02, no_input_seconds=5)) as board:
        caller, _ = await board.call()
        await board.ears.next_answer()
        await asyncio.sleep(1.0)
        times = [at for at, _ in caller.audio_frames]
        assert 40 <= len(times) <= 60 and 0.7 <= times[-1] - times[0] <= 1.1  # 50 frames a second
        await caller.press("4")  # 政策咨询, in the middle of the long greeting
        said = await board.ears.next_answer()
        pressed = time.monotonic()
        await asyncio.sleep(0.5)
        greeting = [at for at, payload in caller.audio_frames if at < pressed]
        assert "政策" in said or "问题" in said
        assert len(greeting) < 100  # about 1 s of a greeting several seconds long
        await caller.hang_up()


async def test_when_the_assistant_fails_the_caller_hears_so_and_goes_to_a_person(demo) -> None:
    class Broken:
        async def greet(self, turn: Turn) -> list[Reply]:
            raise RuntimeError("database down")

    async with switchboard(demo, assistant=Broken()) as board:
        caller, call_id = await board.call()
        await asyncio.wait_for(caller.hung_up.wait(), 10)
        assert caller.audio_frames  # the apology was spoken
        assert board.outcome(call_id) == "transfer"


async def test_junk_connections_are_closed_and_the_line_keeps_answering(demo) -> None:
    timing = CallTiming(frame_seconds=0.0, no_input_seconds=5, first_frame_seconds=0.5)
    async with switchboard(demo, timing) as board:
        for junk in (b"GET / HTTP/1.1\r\n\r\n", encode(Kind.AUDIO, b"\0" * 320), b"\x01\x00\x03abc", b""):
            reader, writer = await asyncio.open_connection("127.0.0.1", board.port)
            writer.write(junk)
            await writer.drain()
            assert await asyncio.wait_for(reader.read(), 5) == b""  # closed, nothing said
            writer.close()
            caller, _ = await board.call()  # a good call still works after a bad one
            await board.ears.next_answer()
            caller.writer.write(encode(0x42, b"unknown kind") + encode(Kind.DTMF, b""))  # ignored, harmless
            await caller.press("*")
            assert "您好" in await board.ears.next_answer()  # * repeats the greeting
            await caller.hang_up()


async def test_what_the_caller_says_is_heard_recognised_and_answered(demo, ko_recognizer) -> None:
    """The whole audio path with a real vosk model (Korean: the one a registry ships here), line hiss
    included: VAD endpointing, resampling, decoding, then the assistant and speech back."""
    spoken = with_hiss(np.concatenate([silence(0.5), speak("안녕하세요", voice="ko"), silence(1.5)]))
    async with switchboard(demo, CallTiming(frame_seconds=0.0, no_input_seconds=30), recognizer=ko_recognizer) as board:
        caller, _ = await board.call()
        await board.ears.next_answer()
        heard_before = len(caller.audio_frames)
        await caller.speak(to_pcm(spoken))
        answer = await board.ears.next_answer(timeout=30)
        turn = board.ears.turns[-1]
        assert turn.text and any("\uac00" <= ch <= "\ud7a3" for ch in turn.text)  # Hangul was recognised
        assert turn.dtmf is None and answer  # … and answered (the assistant does not speak Korean)
        await asyncio.sleep(0.2)
        assert len(caller.audio_frames) > heard_before  # the answer was spoken
        await caller.speak(to_pcm(with_hiss(silence(2.0), seed=1)))  # hiss alone is not an utterance
        await asyncio.sleep(0.5)
        assert len(board.ears.turns) == 2
        await caller.hang_up()


class Listening:
    """A real recognizer, with a note of the audio each utterance got (and, optionally, slow to answer)."""

    def __init__(self, recognizer, delay: float = 0.0, hears_nothing: bool = False) -> None:  # type: ignore[no-untyped-def]
        self.recognizer, self.delay, self.hears_nothing = recognizer, delay, hears_nothing
        self.utterances: list[int] = []

    def stream(self):  # type: ignore[no-untyped-def]
        outer, inner = self, self.recognizer.stream()

        class Stream:
            taken = 0

            def accept(self, pcm: bytes) -> None:
                self.taken += len(pcm)
                inner.accept(pcm)

            def result(self):  # type: ignore[no-untyped-def]
                time.sleep(outer.delay)
                outer.utterances.append(self.taken)
                self.taken = 0
                heard = inner.result()
                return Hypothesis("", 0.0) if outer.hears_nothing else heard

        return Stream()


def _korean() -> bytes:
    return to_pcm(with_hiss(np.concatenate([silence(0.5), speak("안녕하세요", voice="ko"), silence(1.5)])))


async def test_words_still_being_recognised_are_waited_for_not_taken_for_silence(demo, ko_recognizer) -> None:
    slow = Listening(ko_recognizer, delay=1.0)
    async with switchboard(demo, CallTiming(frame_seconds=0.0, no_input_seconds=0.3), recognizer=slow) as board:
        caller, _ = await board.call()
        await board.ears.next_answer()
        await caller.speak(_korean())
        await board.ears.next_answer(timeout=30)
        assert [bool(t.text) for t in board.ears.turns] == [False, True]  # no "我没有听到" in between
        await caller.hang_up()


async def test_sounds_nothing_is_recognised_in_end_the_call_like_silence(demo, ko_recognizer) -> None:
    deaf = Listening(ko_recognizer, hears_nothing=True)  # a television, a line full of crackle
    async with switchboard(demo, CallTiming(frame_seconds=0.0, no_input_seconds=30), recognizer=deaf) as board:
        caller, call_id = await board.call()
        await board.ears.next_answer()
        for _ in range(FAST.max_silences + 1):
            await caller.speak(_korean())
            await asyncio.sleep(0.3)
        await asyncio.wait_for(caller.hung_up.wait(), 30)
        assert board.outcome(call_id) == "hangup" and len(board.ears.turns) == 1 + FAST.max_silences


async def test_a_key_in_the_middle_of_speaking_drops_what_was_said_so_far(demo, ko_recognizer) -> None:
    ears = Listening(ko_recognizer)
    words = _korean()
    async with switchboard(demo, CallTiming(frame_seconds=0.0, no_input_seconds=30), recognizer=ears) as board:
        caller, _ = await board.call()
        await board.ears.next_answer()
        await caller.speak(words[: len(words) // 2])  # half a sentence … then a key
        await asyncio.sleep(0.3)
        await caller.press("4")
        assert "问题" in await board.ears.next_answer() or "政策" in board.ears.said()
        await caller.speak(words)
        await board.ears.next_answer(timeout=30)
        assert [t.dtmf for t in board.ears.turns[1:]] == ["4", None]
        dropped, whole = ears.utterances
        assert dropped > 0 and whole >= len(speak("안녕하세요", voice="ko")) * 2  # nothing of it was lost
        await caller.hang_up()


@pytest.mark.parametrize("broken", ["speech synthesis", "caller lookup"])
async def test_whatever_breaks_the_caller_goes_to_a_person(demo, broken: str) -> None:
    class Failing(EspeakSynthesizer):
        spoken = 0

        async def synthesize(self, text: str, *, slow: bool = False) -> bytes:
            self.spoken += 1
            if self.spoken > 1:
                raise RuntimeError("espeak-ng died")
            return await super().synthesize(text, slow=slow)

    class NoDatabase:
        def reading(self):  # type: ignore[no-untyped-def]
            raise ConnectionRefusedError("database down")

    async with switchboard(demo) as board:
        if broken == "speech synthesis":
            board.line.synthesizer = Failing()
        else:
            board.line.sessions = NoDatabase()  # type: ignore[assignment]
        caller, call_id = await board.call()
        if broken == "speech synthesis":
            await board.ears.next_answer()
            await caller.press("1")
        await asyncio.wait_for(caller.hung_up.wait(), 10)
        assert board.outcome(call_id) == "transfer"


async def test_a_full_line_hands_the_next_caller_to_a_person_at_once(demo) -> None:
    async with switchboard(demo) as board:
        board.line.max_calls = 1
        first, _ = await board.call()
        await board.ears.next_answer()
        second, second_id = await board.call()
        await asyncio.wait_for(second.hung_up.wait(), 5)
        assert second.audio_frames == [] and board.outcome(second_id) == "transfer"
        await first.press("*")
        assert "您好" in await board.ears.next_answer()  # the first call is untouched
        await first.hang_up()


async def test_without_barge_in_what_is_heard_during_a_prompt_is_not_taken(demo, ko_recognizer) -> None:
    timing = CallTiming(frame_seconds=0.02, no_input_seconds=30, barge_in_by_voice=False)
    async with switchboard(demo, timing, recognizer=Listening(ko_recognizer)) as board:
        caller, _ = await board.call()
        await board.ears.next_answer()
        await caller.speak(_korean())  # over the greeting, as its echo would be
        await asyncio.sleep(1.0)
        assert len(board.ears.turns) == 1
        heard = len(caller.audio_frames)
        await asyncio.sleep(0.3)
        assert len(caller.audio_frames) > heard  # the greeting played on
        await caller.hang_up()


async def test_closing_the_line_ends_the_calls_in_progress(demo) -> None:
    ears = Recorder(Assistant(demo.sessions))
    line = Line(assistant=ears, synthesizer=EspeakSynthesizer(), recognizer=None,  # type: ignore[arg-type]
                sessions=demo.sessions, clock=lambda: NOW, timing=CallTiming(frame_seconds=0.02))
    server = await start_server(line, "127.0.0.1", 0)
    board = Switchboard(line, ears, server.sockets[0].getsockname()[1])
    caller, call_id = await board.call()
    await ears.next_answer()
    await close_line(line, server)
    await asyncio.wait_for(caller.hung_up.wait(), 5)
    assert board.outcome(call_id) == "hangup" and not line.calls


async def test_a_caller_who_confirms_and_hangs_up_at_once_still_gets_the_order(board, demo) -> None:
    caller, _ = await board.call()
    await board.ears.next_answer()
    await caller.press("1211")
    while "对吗" not in board.ears.said():
        await board.ears.next_answer()
    await caller.press("1")
    await caller.hang_up()  # in the same breath
    await asyncio.sleep(0.5)
    assert len(await _orders(demo)) == 1



async def test_a_call_going_on_for_too_long_is_ended_politely(demo) -> None:
    async with switchboard(demo, CallTiming(frame_seconds=0.0, no_input_seconds=30, max_call_seconds=0.5)) as board:
        caller, call_id = await board.call()
        await board.ears.next_answer()
        await asyncio.sleep(0.6)
        await caller.press("*")  # still pressing keys after the time is up
        await asyncio.wait_for(caller.hung_up.wait(), 10)
        assert board.outcome(call_id) == "hangup" and len(board.ears.turns) == 1

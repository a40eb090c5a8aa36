"""Optional Rasa NLU backend: a Rasa 3.6 server's ``/model/parse`` mapped onto our ``nlu.Parse``.

Enabled with ``ELDERCARE_NLU_BACKEND=rasa`` and ``ELDERCARE_RASA_URL=http://host:5005``. The server is
trained from the same Rasa YAML as the built-in NLU (``integrations/rasa/train.sh``). Rasa returns the
surface text of entities (and synonyms where it has them) but cannot resolve 明天 or 两份, so every entity
is re-read by the built-in extractor and mapped to the canonical values of CONTRACTS section 2.
Unlike the rest of ``integrations/`` this module imports ``nlu`` (for its types and extractor).
"""

from __future__ import annotations

import json
import os
import urllib.request
from datetime import date
from functools import cache
from typing import Any, Protocol

from nlu import INTENTS, Entity, Parse
from nlu import default as default_nlu
from nlu.normalize import surface

TIMEOUT_S = 5.0


class Backend(Protocol):
    def parse(self, text: str, reference_date: date | None = None) -> Parse: ...


@cache
def _canonical_values() -> dict[str, set[str]]:
    nlu = default_nlu()
    values: dict[str, set[str]] = {}
    for entity, value in nlu.extractor.gazetteer.values():
        values.setdefault(entity, set()).add(value)
    return values


def map_rasa(result: dict[str, Any], text: str, reference_date: date | None = None) -> Parse:
    """Map a Rasa ``/model/parse`` answer onto our Parse with canonical entity values."""
    ref = reference_date or date.today()
    intent = (result.get("intent") or {}).get("name") or "out_of_scope"
    confidence = float((result.get("intent") or {}).get("confidence") or 0.0)
    if intent not in INTENTS:  # nlu_fallback and anything we do not know
        intent = "out_of_scope"
    ranking = [(r["name"] if r.get("name") in INTENTS else "out_of_scope", float(r.get("confidence") or 0.0))
               for r in result.get("intent_ranking") or []]
    seen: set[str] = set()
    ranking = [r for r in ranking if not (r[0] in seen or seen.add(r[0]))] or [(intent, confidence)]
    nlu = default_nlu()
    s = surface(text)
    entities: list[Entity] = []
    for raw in result.get("entities") or []:
        etype = raw.get("entity")
        start, end = raw.get("start"), raw.get("end")
        if not (isinstance(start, int) and isinstance(end, int) and 0 <= start < end <= len(text)):
            # No usable offsets: look for the surface text (Rasa puts it in ``value`` without synonyms).
            etext = str(raw.get("text") or raw.get("value") or "")
            pos = text.find(etext) if etext else -1
            if pos < 0:
                continue
            start, end = pos, pos + len(etext)
        # Read the span (and a little context, for 下午 before 三点) with our own extractor.
        lo = max(0, start - 4)
        found = nlu.extractor.extract(text[lo:end], s[lo:end], ref, intent)
        match = next((e for e in found if e.entity == etype and e.start + lo < end and start < e.end + lo), None)
        if match is not None:
            value = match.value
        elif str(raw.get("value")) in _canonical_values().get(etype, set()):
            value = str(raw.get("value"))
        else:
            continue
        entities.append(Entity(etype, value, start, end, text[start:end]))
    return Parse(text, intent, confidence, ranking, entities)


class RasaClient:
    """Calls a Rasa server; ``parse`` is synchronous (stdlib), ``aparse`` uses aiohttp."""

    def __init__(self, url: str, timeout: float = TIMEOUT_S, token: str | None = None):
        self.url = url.rstrip("/")
        self.timeout = timeout
        self.token = token

    def _endpoint(self) -> str:
        return f"{self.url}/model/parse" + (f"?token={self.token}" if self.token else "")

    def parse(self, text: str, reference_date: date | None = None) -> Parse:
        body = json.dumps({"text": text}).encode()
        req = urllib.request.Request(self._endpoint(), data=body, headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=self.timeout) as resp:
            result = json.loads(resp.read().decode("utf-8"))
        return map_rasa(result, text, reference_date)

    async def aparse(self, text: str, reference_date: date | None = None) -> Parse:
        import aiohttp

        timeout = aiohttp.ClientTimeout(total=self.timeout)
        async with aiohttp.ClientSession(timeout=timeout) as session, session.post(
                self._endpoint(), json={"text": text}) as resp:
            resp.raise_for_status()
            result = await resp.json(content_type=None)
        return map_rasa(result, text, reference_date)


def backend_from_env() -> Backend:
    """The Rasa client when ELDERCARE_NLU_BACKEND=rasa and ELDERCARE_RASA_URL are set, else the built-in NLU."""
    url = os.environ.get("ELDERCARE_RASA_URL")
    if os.environ.get("ELDERCARE_NLU_BACKEND", "builtin").lower() == "rasa" and url:
        return RasaClient(url, token=os.environ.get("ELDERCARE_RASA_TOKEN"))
    return default_nlu()

"""The optional Rasa backend: entity mapping against a stand-in server, and a live server when given."""

from __future__ import annotations

import os
from datetime import date

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from integrations.rasa import RasaClient, backend_from_env, map_rasa

REF = date(2026, 11, 26)
TEXT = "明天下午三点给我妈约助浴 她是低保边缘户 住连云港"

# What Rasa 3.6 (Jieba + DIET, synonyms on) answers for TEXT: surface texts, a few synonyms, no dates.
RASA_ANSWER = {
    "text": TEXT,
    "intent": {"name": "book_bath", "confidence": 0.91},
    "intent_ranking": [{"name": "book_bath", "confidence": 0.91}, {"name": "nlu_fallback", "confidence": 0.05},
                       {"name": "book_meal", "confidence": 0.04}],
    "entities": [
        {"entity": "date", "start": 0, "end": 2, "value": "明天", "extractor": "DIETClassifier"},
        {"entity": "part_of_day", "start": 2, "end": 4, "value": "afternoon", "extractor": "DIETClassifier"},
        {"entity": "time", "start": 4, "end": 6, "value": "三点", "extractor": "DIETClassifier"},
        {"entity": "relation", "start": 7, "end": 9, "value": "mother", "extractor": "DIETClassifier"},
        {"entity": "service", "start": 10, "end": 12, "value": "助浴", "extractor": "DIETClassifier"},
        {"entity": "economic", "start": 15, "end": 20, "value": "低保边缘户", "extractor": "DIETClassifier"},
        {"entity": "region", "start": 22, "end": 25, "value": "连云港", "extractor": "DIETClassifier"},
        {"entity": "relation", "start": 0, "end": 1, "value": "nonsense", "extractor": "DIETClassifier"},
    ],
}
EXPECTED = [("date", "2026-11-27", "明天"), ("part_of_day", "afternoon", "下午"), ("time", "15:00", "三点"),
            ("relation", "mother", "我妈"), ("service", "bath", "助浴"), ("economic", "dibao_edge", "低保边缘户"),
            ("region", "连云港市", "连云港")]


def test_rasa_entities_are_mapped_to_canonical_values():
    p = map_rasa(RASA_ANSWER, TEXT, REF)
    assert p.intent == "book_bath"
    assert [(e.entity, e.value, e.text) for e in p.entities] == EXPECTED
    assert all(TEXT[e.start : e.end] == e.text for e in p.entities)
    assert [name for name, _ in p.ranking] == ["book_bath", "out_of_scope", "book_meal"]


def test_rasa_fallback_intent_becomes_out_of_scope():
    p = map_rasa({"intent": {"name": "nlu_fallback", "confidence": 0.3}, "entities": []}, "嗯嗯", REF)
    assert p.intent == "out_of_scope"


async def test_client_calls_model_parse_on_a_local_stand_in_server():
    seen = []

    async def model_parse(request: web.Request) -> web.Response:
        body = await request.json()
        seen.append(body)
        return web.json_response({**RASA_ANSWER, "text": body["text"]})

    app = web.Application()
    app.router.add_post("/model/parse", model_parse)
    async with TestServer(app, host="127.0.0.1") as server:
        client = RasaClient(str(server.make_url("/")))
        p = await client.aparse(TEXT, REF)
    assert seen == [{"text": TEXT}]
    assert [(e.entity, e.value) for e in p.entities] == [(a, b) for a, b, _ in EXPECTED]


def test_backend_is_builtin_unless_rasa_is_configured(monkeypatch):
    import nlu

    monkeypatch.delenv("ELDERCARE_RASA_URL", raising=False)
    monkeypatch.setenv("ELDERCARE_NLU_BACKEND", "rasa")
    assert isinstance(backend_from_env(), nlu.NLU)
    monkeypatch.setenv("ELDERCARE_RASA_URL", "http://127.0.0.1:5005")
    assert isinstance(backend_from_env(), RasaClient)


@pytest.mark.skipif(not os.environ.get("ELDERCARE_RASA_URL"), reason="set ELDERCARE_RASA_URL to a Rasa server")
def test_live_rasa_server_answers_in_contract_shape():
    client = RasaClient(os.environ["ELDERCARE_RASA_URL"])
    p = client.parse("明天中午给我妈送两份饭", REF)
    import nlu

    assert p.intent in nlu.INTENTS
    d = p.to_rasa()
    assert set(d) == {"text", "intent", "intent_ranking", "entities"}
    for e in p.entities:
        assert "明天中午给我妈送两份饭"[e.start : e.end] == e.text

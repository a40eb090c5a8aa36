"""Understanding over HTTP: Rasa-compatible ``/model/parse``, policy answers and eligibility."""

from __future__ import annotations

import asyncio
from datetime import date
from typing import Any

from aiohttp import web
from pydantic import BaseModel, Field

from care.catalog import local_today
from care.errors import Invalid
from knowledge import InvalidRequest
from web.context import context_of
from web.errors import json_response, read_json

routes = web.RouteTableDef()
MAX_TEXT = 10_000


class ParseBody(BaseModel):
    text: str = Field(max_length=MAX_TEXT)
    reference_date: date | None = None


class AskBody(BaseModel):
    question: str = Field(min_length=1, max_length=2_000)
    region: str | None = Field(default=None, max_length=40)


class EligibilityBody(BaseModel):
    region: str = Field(min_length=1, max_length=40)
    profile: dict[str, Any] = Field(default_factory=dict)


@routes.post("/model/parse")
async def model_parse(request: web.Request) -> web.Response:
    body = await read_json(request, ParseBody)
    ctx = context_of(request)
    model = await asyncio.to_thread(ctx.nlu)
    today = body.reference_date or local_today(ctx.clock())
    return json_response(model.parse(body.text, today).to_rasa())


@routes.post("/api/ask")
async def ask(request: web.Request) -> web.Response:
    body = await read_json(request, AskBody)
    ctx = context_of(request)
    kb = await asyncio.to_thread(ctx.knowledge)
    try:
        answer = kb.ask(body.question, region=body.region, today=local_today(ctx.clock()))
    except InvalidRequest as error:
        raise Invalid(str(error), "invalid question or region") from error
    return json_response(answer.to_dict())


@routes.post("/api/eligibility")
async def eligibility(request: web.Request) -> web.Response:
    body = await read_json(request, EligibilityBody)
    ctx = context_of(request)
    kb = await asyncio.to_thread(ctx.knowledge)
    try:
        result = kb.eligibility(body.region, body.profile, today=local_today(ctx.clock()))
    except InvalidRequest as error:
        raise Invalid(str(error), "invalid region or profile") from error
    return json_response(result.to_dict())

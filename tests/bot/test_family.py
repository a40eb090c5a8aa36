"""Families in Telegram: linking with a code, the main menu, booking by pressing buttons, a Telegram
update delivered twice, and the per-user rate limit."""

from __future__ import annotations

from sqlalchemy import func, select

from bot import texts
from bot.callbacks import OptionCallback
from care import people
from care.models import Order, ProcessedUpdate
from tests.bot.conftest import family_of
from tests.conftest import NOW

NEWCOMER = 9100


async def _code_for(sessions, elder_phone: str, relation: str) -> str:  # type: ignore[no-untyped-def]
    async with sessions() as session, session.begin():
        elder = await people.elder_by_phone(session, elder_phone)
        return await people.issue_link_code(session, elder.id, relation, NOW)


async def test_start_without_a_code_explains_how_to_link_and_shows_the_menu(harness) -> None:  # type: ignore[no-untyped-def]
    await harness.say(NEWCOMER, "/start", name="赵小红")
    [reply] = harness.telegram.sent(NEWCOMER)
    assert reply.text == texts.WELCOME_NEW and "服务站" in reply.text and "8位绑定码" in reply.text
    assert [label for label, _ in reply.buttons()] == list(texts.MENU)
    assert reply.markup["is_persistent"] is True
    assert await family_of(harness.sessions, NEWCOMER) is None
    assert harness.assistant.turns == []


async def test_a_deep_link_code_links_a_telegram_only_family_member_once(harness) -> None:  # type: ignore[no-untyped-def]
    code = await _code_for(harness.sessions, "13800000005", "mother")
    await harness.say(NEWCOMER, f"/start {code}", name="赵小红")
    [reply] = harness.telegram.sent(NEWCOMER)
    assert reply.text == texts.LINKED.format(elder="赵玉珍", relation="母亲")
    member = await family_of(harness.sessions, NEWCOMER)
    assert member is not None and member.name == "赵小红" and member.phone is None
    async with harness.sessions() as session:
        assert [(e.name, r) for e, r in await people.linked_elders(session, member.id)] == [("赵玉珍", "mother")]

    harness.telegram.clear()
    await harness.say(NEWCOMER, f"/start {code}", name="赵小红")  # the code was used up
    [reply] = harness.telegram.sent(NEWCOMER)
    assert "绑定码不对或已经失效" in reply.text

    # Afterwards the assistant knows her as a family member.
    await harness.say(NEWCOMER, "你好", name="赵小红")
    turn = harness.assistant.turns[-1]
    assert (turn.channel, turn.user.kind, turn.user.id, turn.user.key) == ("telegram", "family", member.id,
                                                                           f"tg:{NEWCOMER}")


async def test_a_code_typed_as_a_message_links_an_existing_member_to_a_second_elder(harness, lijuan) -> None:  # type: ignore[no-untyped-def]
    code = await _code_for(harness.sessions, "13800000007", "grandmother")
    await harness.say(lijuan, f"{code[:4]} {code[4:]}")
    [reply] = harness.telegram.sent(lijuan)
    assert reply.text == texts.LINKED.format(elder="周淑芬", relation="祖母")
    member = await family_of(harness.sessions, lijuan)
    assert member.phone == "13900000001"
    async with harness.sessions() as session:
        assert {e.name for e, _ in await people.linked_elders(session, member.id)} == {"王秀英", "周淑芬"}
    assert harness.assistant.turns == []


async def test_a_wrong_code_links_nothing_and_leaves_no_family_record(harness) -> None:  # type: ignore[no-untyped-def]
    await harness.say(NEWCOMER, "/start 00000000", name="赵小红")
    [reply] = harness.telegram.sent(NEWCOMER)
    assert "绑定码不对或已经失效" in reply.text and texts.LINK_CODE_HELP in reply.text
    assert await family_of(harness.sessions, NEWCOMER) is None


async def test_start_greets_a_linked_family_member_by_name(harness, lijuan) -> None:  # type: ignore[no-untyped-def]
    await harness.say(lijuan, "/start")
    [reply] = harness.telegram.sent(lijuan)
    assert reply.text.startswith("您好，李娟！您已绑定：王秀英。")


async def test_menu_buttons_and_free_text_go_to_the_assistant(harness, lijuan) -> None:  # type: ignore[no-untyped-def]
    await harness.say(lijuan, "政策咨询")
    await harness.say(lijuan, "  我妈能领多少补贴？ ")
    assert [(t.text, t.dtmf) for t in harness.assistant.turns] == [("政策咨询", None), ("我妈能领多少补贴？", None)]
    turn = harness.assistant.turns[0]
    assert turn.at == NOW and turn.user.kind == "family" and turn.user.name == "李娟"
    replies = harness.telegram.sent(lijuan)
    assert [r.text for r in replies] == ["好的，我记下了。"] * 2
    assert [label for label, _ in replies[0].buttons()] == list(texts.MENU)  # no options: the menu stays
    assert len(harness.telegram.of("sendChatAction", lijuan)) == 2


async def test_booking_by_pressing_buttons_places_the_order(harness, lijuan) -> None:  # type: ignore[no-untyped-def]
    await harness.say(lijuan, "订餐")
    question = harness.telegram.sent(lijuan)[-1]
    assert question.text == "给哪位老人订餐？"
    assert question.buttons() == [("王秀英", OptionCallback(key="1").pack())]

    await harness.press(lijuan, lijuan, "王秀英")
    assert harness.assistant.turns[-1].dtmf == "1" and harness.assistant.turns[-1].text is None
    assert len(harness.telegram.of("answerCallbackQuery")) == 1
    pressed = harness.telegram.message(question)
    assert pressed["text"] == "给哪位老人订餐？\n\n" + texts.CHOSEN.format(label="王秀英")
    assert "reply_markup" not in pressed  # the buttons are gone, the choice stays

    await harness.press(lijuan, lijuan, "明天晚餐")
    assert harness.telegram.sent(lijuan)[-1].text.startswith("订好了。单号")
    async with harness.sessions() as session:
        orders = (await session.execute(select(Order).where(Order.channel == "telegram"))).scalars().all()
    assert [(o.elder.name, o.window, o.status, o.placed_by) for o in orders] == [
        ("王秀英", "dinner", "pending", f"family:{(await family_of(harness.sessions, lijuan)).id}")]
    assert len(harness.assistant.turns) == 3


async def test_a_double_tap_or_an_old_button_answers_nothing(harness, lijuan) -> None:  # type: ignore[no-untyped-def]
    await harness.say(lijuan, "订餐")
    question = harness.telegram.sent(lijuan)[-1]
    as_sent = dict(harness.telegram.message(question))  # the second tap carries the message as it was
    tap = OptionCallback(key="1").pack()
    await harness.feed(harness.updates.press(lijuan, as_sent, tap))
    await harness.feed(harness.updates.press(lijuan, as_sent, tap))
    assert [t.dtmf for t in harness.assistant.turns] == [None, "1"]
    first, second = harness.telegram.of("answerCallbackQuery")
    assert "text" not in first.params and second.params["text"] == texts.BUTTON_EXPIRED
    assert len(harness.telegram.sent(lijuan)) == 2  # 订哪一顿？ once


async def test_an_update_delivered_twice_is_handled_once_also_by_another_process(harness, lijuan) -> None:  # type: ignore[no-untyped-def]
    from bot.app import build_dispatcher

    raw = harness.updates.text(lijuan, "订餐")
    await harness.feed(raw)
    await harness.feed(raw)
    other_process = build_dispatcher(harness.sessions, harness.assistant, lambda: NOW)
    await harness.feed(raw, dispatcher=other_process)
    assert [t.text for t in harness.assistant.turns] == ["订餐"]
    assert len(harness.telegram.sent(lijuan)) == 1
    async with harness.sessions() as session:
        rows = (await session.execute(select(ProcessedUpdate.source, ProcessedUpdate.update_id))).all()
    assert rows == [("telegram", str(raw["update_id"]))]


async def test_an_update_that_failed_may_be_delivered_again(harness, lijuan) -> None:  # type: ignore[no-untyped-def]
    raw = harness.updates.text(lijuan, "你好")
    harness.telegram.broken.add(lijuan)  # Telegram cannot take the answer
    await harness.feed(raw)
    assert harness.telegram.sent(lijuan)  # tried
    async with harness.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(ProcessedUpdate)) == 0
    harness.telegram.broken.clear()
    harness.telegram.clear()
    await harness.feed(raw)
    assert [c.text for c in harness.telegram.sent(lijuan)] == ["好的，我记下了。"]


async def test_more_than_twenty_messages_a_minute_get_one_polite_answer(harness, lijuan) -> None:  # type: ignore[no-untyped-def]
    for i in range(25):
        await harness.say(lijuan, f"第{i}条")
    assert len(harness.assistant.turns) == 20
    texts_sent = [c.text for c in harness.telegram.sent(lijuan)]
    assert texts_sent.count(texts.RATE_LIMITED) == 1 and len(texts_sent) == 21
    await harness.say(NEWCOMER, "你好", name="赵小红")  # others are not slowed down
    assert harness.assistant.turns[-1].user.key == f"tg:{NEWCOMER}"


async def test_photos_and_stickers_get_a_hint(harness, lijuan) -> None:  # type: ignore[no-untyped-def]
    raw = harness.updates.text(lijuan, "x")
    del raw["message"]["text"]
    raw["message"]["sticker"] = {"file_id": "f", "file_unique_id": "u", "type": "regular", "width": 1,
                                 "height": 1, "is_animated": False, "is_video": False}
    await harness.feed(raw)
    assert [c.text for c in harness.telegram.sent(lijuan)] == [texts.ONLY_TEXT]
    assert harness.assistant.turns == []


async def test_an_assistant_failure_gets_an_apology(harness, lijuan) -> None:  # type: ignore[no-untyped-def]
    async def broken(turn):  # type: ignore[no-untyped-def]
        raise RuntimeError("boom")

    harness.assistant.handle = broken
    await harness.say(lijuan, "你好")
    assert [c.text for c in harness.telegram.sent(lijuan)] == [texts.SOMETHING_WRONG]


async def test_long_answers_are_split_and_keep_their_buttons_at_the_end(harness, lijuan) -> None:  # type: ignore[no-untyped-def]
    from assistant.types import Option, Reply

    async def long(turn):  # type: ignore[no-untyped-def]
        return [Reply("第一条政策。\n" * 600, options=(Option("1", "还有问题"),))]

    harness.assistant.handle = long
    await harness.say(lijuan, "政策咨询")
    parts = harness.telegram.sent(lijuan)
    assert len(parts) == 2 and all(len(p.text) <= 4096 for p in parts)
    assert parts[0].markup is None and parts[1].buttons() == [("还有问题", OptionCallback(key="1").pack())]


async def test_button_taps_over_the_limit_are_still_answered(harness, lijuan) -> None:  # type: ignore[no-untyped-def]
    await harness.say(lijuan, "订餐")
    message = harness.telegram.message(harness.telegram.sent(lijuan)[-1])
    for _ in range(21):
        await harness.feed(harness.updates.press(lijuan, dict(message), OptionCallback(key="9").pack()))
    answers = harness.telegram.of("answerCallbackQuery")
    assert len(answers) == 21  # 19 within the limit, then one alert, then a quiet note
    assert [a.params.get("show_alert") for a in answers[-2:]] == ["true", "false"]
    assert {a.params["text"] for a in answers[-2:]} == {texts.RATE_LIMITED}

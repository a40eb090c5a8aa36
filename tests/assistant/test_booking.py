"""Booking conversations through the real assistant (NLU, knowledge base, storage) with a fixed clock."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from assistant import Assistant
from care.models import Order

pytestmark = pytest.mark.parametrize("db", ["sqlite"], indirect=True)


async def orders_of(demo, elder_name: str) -> list[Order]:  # type: ignore[no-untyped-def]
    async with demo.sessions() as session:
        rows = await session.execute(select(Order))
        return [o for o in rows.scalars().all() if o.elder.name == elder_name]


async def test_a_daughter_books_two_lunches_for_her_mother_in_one_sentence(talk, demo) -> None:
    daughter = talk("13900000001")
    read_back = await daughter.say("明天中午给我妈送两份饭")
    assert "王秀英" in read_back and "11月27日" in read_back and "午餐" in read_back and "2份" in read_back
    assert "少盐" in read_back and "10元" in read_back and "对吗" in read_back
    assert await orders_of(demo, "王秀英") == []  # nothing before the confirmation
    placed = await daughter.say("对")
    order = daughter.order
    assert order is not None and order["id"] in placed and order["status"] == "pending"
    assert (order["service"], order["date"], order["station"]) == ("meal", "2026-11-27", "海州区新华社区居家养老服务站")
    [stored] = await orders_of(demo, "王秀英")
    assert (stored.quantity, stored.window, stored.channel, stored.diet) == (2, "lunch", "web", "少盐")


async def test_an_elder_books_one_lunch_for_tomorrow_with_the_keypad(talk, demo) -> None:
    caller = talk("13800000002", channel="phone")
    for digit in "1211":
        replies = await caller.turn(dtmf=digit)
        assert replies and replies[-1].options, f"no choices offered after {digit}"
    assert "确认请按一" in replies[-1].speak and "一共十五元" in replies[-1].speak
    await caller.turn(dtmf="1")
    assert caller.order is not None and caller.order["date"] == "2026-11-27"
    [order] = await orders_of(demo, "张建国")
    assert (order.kind, order.window, order.quantity, order.channel) == ("meal", "lunch", 1, "phone")


async def test_only_the_missing_facts_are_asked_one_at_a_time(talk) -> None:
    elder = talk("13800000003")
    assert "哪天" in await elder.say("我想订个饭")
    assert "午餐还是晚餐" in await elder.say("后天")
    assert "几份" in await elder.say("晚上那顿")
    read_back = await elder.say("一份")
    assert "11月28日" in read_back and "晚餐" in read_back and "软烂" in read_back


async def test_saying_no_at_the_read_back_places_nothing(talk, demo) -> None:
    elder = talk("13800000001")
    await elder.say("明天中午送一份饭")
    answer = await elder.say("不要了")
    assert "没有下单" in answer and elder.order is None
    assert await orders_of(demo, "王秀英") == []


async def test_pressing_2_at_the_read_back_starts_the_choice_again(talk, demo) -> None:
    elder = talk("13800000001", channel="phone")
    await elder.say("明天中午送一份饭")
    again = await elder.press("2")
    assert "重新来" in again and "哪天" in again
    assert await orders_of(demo, "王秀英") == []


async def test_a_question_in_the_middle_of_a_booking_is_answered_then_the_booking_resumes(talk) -> None:
    daughter = talk("13900000001")
    assert "几份" in await daughter.say("明天中午给我妈订饭")
    answer = await daughter.say("政府购买居家养老服务每月补多少钱")
    assert "依据" in answer and "我们接着预约" in answer and answer.rstrip().endswith("要几份？")
    assert "对吗" in await daughter.say("两份")
    await daughter.say("确认")
    assert daughter.order is not None


async def test_a_booking_survives_a_restart(talk, demo) -> None:
    daughter = talk("13900000001")
    assert "几份" in await daughter.say("明天中午给我妈送饭")
    daughter.assistant = Assistant(demo.sessions)  # the process restarted; the state is in the database
    assert "对吗" in await daughter.say("三份")
    await daughter.say("对")
    assert daughter.order is not None
    [order] = await orders_of(demo, "王秀英")
    assert order.quantity == 3


async def test_a_family_member_with_two_elders_is_asked_for_whom(talk, demo) -> None:
    son = talk("13900000002")
    question = await son.say("我要给老人约个助浴")
    assert "哪位老人" in question
    assert [o.label for o in son.last[-1].options] == ["张建国", "陈桂兰"]
    await son.turn(dtmf="2")
    await son.say("后天上午")
    await son.say("对")
    assert son.order is not None and son.order["service"] == "bath"
    assert len(await orders_of(demo, "陈桂兰")) == 1


async def test_strangers_can_ask_but_booking_needs_registration(talk, demo) -> None:
    stranger = talk("13700009999")
    assert "登记" in await stranger.say("我要订餐")
    answer = await stranger.say("连云港政府购买居家养老服务每人每月多少钱")
    assert "60元" in answer and "连云港市居家和社区养老服务改革试点实施方案" in answer


async def test_a_full_window_offers_another_day(talk, demo) -> None:
    from sqlalchemy import update

    from care.models import Slot

    async with demo.sessions() as session, session.begin():
        await session.execute(update(Slot).where(Slot.kind == "bath").values(capacity=Slot.taken))
    elder = talk("13800000001")
    await elder.say("后天上午洗澡")
    answer = await elder.say("对")
    assert "约满" in answer and "哪天" in answer and elder.order is None


async def test_home_visits_ask_what_kind_of_visit(talk) -> None:
    elder = talk("13800000001", channel="phone")
    replies = await elder.turn(dtmf="3")
    assert "上门做什么" in replies[-1].text
    assert [o.label for o in replies[-1].options] == ["探访", "护理", "助洁", "陪诊"]
    await elder.press("4")
    await elder.press("2")
    await elder.press("1")
    await elder.press("1")
    assert elder.order is not None and elder.order["service"] == "home_visit"


async def test_a_day_mentioned_in_an_aside_does_not_change_the_booking(talk) -> None:
    elder = talk("13800000001")
    await elder.say("后天中午送饭")
    await elder.say("今天天气怎么样")
    read_back = await elder.say("两份")
    assert "11月28日" in read_back and "11月26日" not in read_back


async def test_after_the_cut_off_today_is_not_read_back_but_another_day_asked(talk) -> None:
    from tests.conftest import NOW

    elder = talk("13800000001")
    replies = await elder.turn("今天中午送一份饭", at=NOW.replace(hour=10, minute=30))
    assert "已经过了预约时间" in replies[-1].text and "哪天" in replies[-1].text and "对吗" not in replies[-1].text


async def test_the_keypad_takes_any_digit_for_how_many(talk) -> None:
    caller = talk("13800000002", channel="phone")
    for digit in "121":
        await caller.turn(dtmf=digit)
    read_back = await caller.press("7")
    assert "7份" in read_back


async def test_a_relation_that_matches_no_linked_elder_is_asked_not_guessed(talk) -> None:
    daughter = talk("13900000001")
    question = await daughter.say("给我爸订明天的午饭")
    assert "哪位老人" in question and [o.label for o in daughter.last[-1].options] == ["王秀英"]

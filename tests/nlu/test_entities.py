"""Entities of every contract type, with canonical values, offsets into the original text."""

from __future__ import annotations

from datetime import date

import pytest


def ents(p):
    return [(e.entity, e.value, e.text) for e in p.entities]


def values(p, kind):
    return [e.value for e in p.entities if e.entity == kind]


# Reference date 2026-11-26 is a Thursday.
@pytest.mark.parametrize(("text", "expected"), [
    ("今天", "2026-11-26"), ("明天", "2026-11-27"), ("后天", "2026-11-28"), ("大后天", "2026-11-29"),
    ("明儿个", "2026-11-27"), ("下周三", "2026-12-02"), ("下星期一", "2026-11-30"),
    ("下个礼拜天", "2026-12-06"), ("本周五", "2026-11-27"), ("这周六", "2026-11-28"),
    ("这个星期六", "2026-11-28"), ("星期五", "2026-11-27"), ("周四", "2026-11-26"), ("周一", "2026-11-30"),
    ("周末", "2026-11-28"), ("12月3号", "2026-12-03"), ("十二月三日", "2026-12-03"), ("3号", "2026-12-03"),
    ("28号", "2026-11-28"), ("1月5号", "2027-01-05"), ("下个月5号", "2026-12-05"), ("2026-12-10", "2026-12-10"),
    ("１２月５号", "2026-12-05"),
])
def test_dates_resolve_against_the_reference_date(parse, text, expected):
    assert values(parse(f"{text}送饭"), "date") == [expected]


def test_reference_date_is_the_only_clock(parse):
    assert parse("明天送饭", date(2027, 2, 28)).entity("date") == "2027-03-01"
    assert parse("下周三送饭", date(2026, 12, 31)).entity("date") == "2027-01-06"


@pytest.mark.parametrize(("text", "expected"), [
    ("下午三点来", ["15:00"]), ("三点半来", ["03:30"]), ("上午十点", ["10:00"]), ("晚上七点", ["19:00"]),
    ("中午一点", ["13:00"]), ("9:30", ["09:30"]), ("八点一刻", ["08:15"]), ("下午2点15分", ["14:15"]),
    ("十二点整", ["12:00"]),
])
def test_clock_times_are_24_hour(parse, text, expected):
    assert values(parse(text), "time") == expected


def test_a_little_is_not_one_oclock(parse):
    assert values(parse("饭软一点 少放点盐"), "time") == []
    assert values(parse("快一点来"), "time") == []


def test_part_of_day_and_time_are_separate_entities(parse):
    assert ents(parse("下午三点给我洗澡"))[:2] == [("part_of_day", "afternoon", "下午"), ("time", "15:00", "三点")]


def test_noon_is_a_meal_when_talking_about_meals_and_a_part_of_day_otherwise(parse):
    assert ("meal", "lunch", "中午") in ents(parse("明天中午送饭"))
    assert ("part_of_day", "noon", "中午") in ents(parse("明天中午来打扫卫生"))
    assert ("meal", "dinner", "晚上那顿") in ents(parse("晚上那顿不要了"))
    assert ("meal", "breakfast", "早饭") in ents(parse("明天早饭一份"))


@pytest.mark.parametrize(("text", "expected"), [
    ("要两份", "2"), ("来3份", "3"), ("一份就够", "1"), ("订十份", "10"), ("要俩", "2"), ("两个人的", "2"),
])
def test_quantities(parse, text, expected):
    assert values(parse(text), "quantity") == [expected]


def test_living_alone_is_not_a_quantity(parse):
    p = parse("我一个人住")
    assert values(p, "quantity") == []
    assert values(p, "living") == ["alone"]


@pytest.mark.parametrize(("text", "expected"), [
    ("我今年八十三岁", "83"), ("83岁", "83"), ("老人九十二了", "92"), ("俺七十八了", "78"),
    ("满八十周岁", "80"), ("我八十多岁了", "80"),
])
def test_ages(parse, text, expected):
    assert values(parse(text), "age") == [expected]


@pytest.mark.parametrize(("text", "expected"), [
    ("给我妈", "mother"), ("我妈妈", "mother"), ("俺娘", "mother"), ("老太太", "mother"), ("我爸", "father"),
    ("老爷子", "father"), ("我老伴", "spouse"), ("老伴儿", "spouse"), ("奶奶", "grandmother"),
    ("外婆", "grandmother"), ("姥姥", "grandmother"), ("爷爷", "grandfather"), ("外公", "grandfather"),
    ("姥爷", "grandfather"), ("我自己", "self"),
])
def test_relations(parse, text, expected):
    assert values(parse(text), "relation") == [expected]


@pytest.mark.parametrize(("text", "expected"), [
    ("连云港", "连云港市"), ("连云港市", "连云港市"), ("海州", "海州区"), ("启东", "启东市"), ("南昌", "南昌市"),
    ("安宁市", "安宁市"), ("灌云", "灌云县"), ("連雲港", "连云港市"),
])
def test_regions_come_from_the_shared_gazetteer(parse, text, expected):
    assert values(parse(f"我住在{text}"), "region") == [expected]


@pytest.mark.parametrize(("text", "kind", "expected"), [
    ("低保边缘", "economic", "dibao_edge"), ("低保边缘户", "economic", "dibao_edge"), ("低保", "economic", "dibao"),
    ("特困", "economic", "tekun"), ("五保户", "economic", "wubao"), ("三无老人", "economic", "sanwu"),
    ("经济困难", "economic", "low_income"), ("半失能", "disability", "semi_disabled"),
    ("失能", "disability", "disabled"), ("失智", "disability", "dementia"), ("认知障碍", "disability", "dementia"),
    ("残疾", "disability", "handicapped"), ("独居", "living", "alone"), ("空巢", "living", "empty_nest"),
    ("子女不在身边", "living", "empty_nest"), ("和儿子一起住", "living", "with_family"),
    ("政府购买居家养老服务", "benefit", "gov_purchased_service"), ("尊老金", "benefit", "longevity_allowance"),
    ("高龄津贴", "benefit", "longevity_allowance"), ("养老服务补贴", "benefit", "service_subsidy"),
    ("护理补贴", "benefit", "care_subsidy"), ("家庭养老照护床位", "benefit", "family_care_bed"),
    ("助餐补贴", "benefit", "meal_subsidy"), ("适老化改造", "benefit", "home_modification"),
    ("一键通", "benefit", "emergency_device"), ("健康体检", "benefit", "health_checkup"),
    ("家庭医生签约", "benefit", "family_doctor"), ("能力评估", "benefit", "assessment"),
    ("关爱探访", "benefit", "care_visit"), ("公办养老机构优先入住", "benefit", "priority_admission"),
    ("少盐", "diet", "low_salt"), ("糖尿病餐", "diet", "low_sugar"), ("软烂", "diet", "soft"),
    ("流食", "diet", "soft"), ("素食", "diet", "vegetarian"),
])
def test_longest_most_specific_match_gives_the_canonical_value(parse, text, kind, expected):
    p = parse(f"老人是{text}的")
    assert [(e.entity, e.value) for e in p.entities if e.entity == kind] == [(kind, expected)]


@pytest.mark.parametrize(("text", "service", "visit_kind"), [
    ("预约助浴", "bath", None), ("我要订餐", "meal", None), ("派人上门看看我爸", "home_visit", "check_in"),
    ("想约人上门打扫卫生", "home_visit", "cleaning"), ("约个陪诊", None, "escort"), ("预约助医", None, "escort"),
    ("来给我妈换药", None, "nursing"), ("预约住浴", "bath", None), ("订个主餐", "meal", None),
])
def test_service_and_visit_kind(parse, text, service, visit_kind):
    p = parse(text)
    assert p.entity("service") == service
    assert p.entity("visit_kind") == visit_kind


def test_a_subsidy_for_meals_is_a_benefit_not_the_meal_service(parse):
    p = parse("助餐补贴怎么领")
    assert ents(p) == [("benefit", "meal_subsidy", "助餐补贴")]


def test_offsets_point_into_the_original_text_even_after_normalisation(parse):
    text = "後天中午幫我媽訂兩份飯，１２月３號也要"
    p = parse(text)
    assert p.entities
    for e in p.entities:
        assert text[e.start : e.end] == e.text
    assert ("relation", "mother", "我媽") in ents(p)
    assert ("date", "2026-12-03", "１２月３號") in ents(p)


def test_a_weekday_range_never_ends_before_it_starts(parse):
    assert values(parse("周一到周五的中饭都要"), "date") == ["2026-11-30", "2026-12-04"]
    assert values(parse("周五到周一"), "date") == ["2026-11-27", "2026-11-30"]

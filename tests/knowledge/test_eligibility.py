"""Eligibility (CONTRACTS section 4): each region's rules, evaluated in three-valued logic.

Each row of a table reads: in <region>, a person with <profile> gets <status> for <benefit>,
and when information is missing, exactly <missing> (in the order a conversation asks them).
"""

from __future__ import annotations

import pytest

from knowledge import InvalidRequest
from tests.knowledge.conftest import TODAY

POOR_URBAN_ALONE = {"age": 83, "living": "alone", "economic": "dibao", "disability": "none", "urban": True}


def status(kb, region: str, profile: dict, benefit: str):
    result = kb.eligibility(region, profile, today=TODAY)
    b = next((b for b in result.benefits if b.benefit == benefit), None)
    assert b is not None, f"{benefit} not listed for {region}"
    return b


LIANYUNGANG = [
    # 政府购买居家养老服务: 城市“三无”、农村“五保”和经济困难的高龄、独居、空巢、失能老人
    ("gov_purchased_service", POOR_URBAN_ALONE, "eligible", []),
    ("gov_purchased_service", {"economic": "sanwu", "urban": True}, "eligible", []),
    ("gov_purchased_service", {"economic": "wubao", "urban": False}, "eligible", []),
    ("gov_purchased_service", {"age": 70, "living": "with_family", "economic": "dibao", "disability": "disabled"},
     "eligible", []),
    ("gov_purchased_service", {"age": 70, "living": "with_family", "economic": "low_income",
                               "disability": "none"}, "not_eligible", []),
    ("gov_purchased_service", {"age": 90, "living": "alone", "economic": "none", "disability": "disabled"},
     "not_eligible", []),
    ("gov_purchased_service", {"economic": "dibao"}, "need_info", ["age", "living", "disability"]),
    ("gov_purchased_service", {"age": 83}, "need_info", ["economic", "urban"]),
    ("gov_purchased_service", {}, "need_info", ["age", "living", "economic", "disability", "urban"]),
    # 关爱探访: 经济困难的高龄、失能留守老年人和失独独居老年人
    ("care_visit", {"special_family": True, "living": "alone"}, "eligible", []),
    ("care_visit", {"age": 85, "economic": "dibao", "living": "empty_nest"}, "eligible", []),
    ("care_visit", {"age": 85, "economic": "dibao", "living": "with_family", "special_family": False},
     "not_eligible", []),
    # 健康管理: 每年为65岁以上老年人提供1次
    ("health_checkup", {"age": 65}, "eligible", []),
    ("health_checkup", {"age": 64}, "not_eligible", []),
    ("health_checkup", {}, "need_info", ["age"]),
    # 家庭医生: 高龄、失能……优先纳入; others are not excluded
    ("family_doctor", {"age": 81}, "eligible", []),
    ("family_doctor", {"age": 66, "disability": "none", "special_family": False, "economic": "none"},
     "unspecified", []),
    # 适老化改造: 特困供养、建档立卡范围的高龄、失能、残疾老年人家庭
    ("home_modification", {"economic": "tekun", "age": 82}, "eligible", []),
    ("home_modification", {"economic": "tekun", "age": 70, "disability": "handicapped"}, "eligible", []),
    ("home_modification", {"economic": "none"}, "not_eligible", []),
    ("home_modification", {"economic": "tekun"}, "need_info", ["age", "disability"]),
    # 一键通: 空巢、独居、失智…
    ("emergency_device", {"disability": "dementia"}, "eligible", []),
    ("emergency_device", {"living": "with_family", "disability": "none", "economic": "none"}, "unspecified", []),
    # 护理补贴: 重度残疾老年人 — severity is certified locally
    ("care_subsidy", {"disability": "handicapped"}, "unspecified", []),
    ("care_subsidy", {"disability": "none"}, "not_eligible", []),
    ("service_subsidy", {"economic": "low_income"}, "eligible", []),
    ("service_subsidy", {"economic": "none"}, "not_eligible", []),
]

QIDONG = [
    # 为经济困难的高龄老年人、失能老年人提供养老服务补贴、养老护理补贴
    ("service_subsidy", {"age": 81, "economic": "dibao"}, "eligible", []),
    ("service_subsidy", {"age": 70, "economic": "dibao", "disability": "semi_disabled"}, "eligible", []),
    ("service_subsidy", {"age": 70, "economic": "dibao", "disability": "none"}, "not_eligible", []),
    ("service_subsidy", {"age": 90, "economic": "none"}, "not_eligible", []),
    ("care_subsidy", {"age": 70, "economic": "tekun", "disability": "disabled"}, "eligible", []),
    ("care_subsidy", {"age": 70, "economic": "none", "disability": "handicapped"}, "unspecified", []),
    ("care_subsidy", {"economic": "dibao"}, "need_info", ["age", "disability"]),
    # 重点优抚对象 and 60+ 失能或生活困难的计划生育特别扶助对象: 公办养老机构优先安排
    ("priority_admission", {"priority_care": True}, "eligible", []),
    ("priority_admission", {"special_family": True, "age": 62, "disability": "disabled"}, "eligible", []),
    ("priority_admission", {"special_family": True, "age": 58, "disability": "disabled",
                            "priority_care": False}, "not_eligible", []),
    ("priority_admission", {"special_family": False, "priority_care": False}, "not_eligible", []),
    ("priority_admission", {"special_family": True, "priority_care": False}, "need_info",
     ["age", "economic", "disability"]),
    # 关爱探访: 80周岁及以上高龄 … 的空巢独居老年人
    ("care_visit", {"age": 82, "living": "alone"}, "eligible", []),
    ("care_visit", {"age": 82, "living": "with_family", "disability": "none"}, "not_eligible", []),
    ("assessment", {"age": 80}, "eligible", []),
    ("assessment", {"age": 50}, "unspecified", []),
    ("emergency_device", {"living": "empty_nest"}, "eligible", []),
    # named, but who qualifies is not said
    ("longevity_allowance", POOR_URBAN_ALONE, "unspecified", []),
    ("family_care_bed", {"disability": "disabled"}, "unspecified", []),
    ("home_modification", {}, "unspecified", []),
]

ANNING = [
    ("longevity_allowance", {"age": 90}, "unspecified", []),
    ("service_subsidy", {}, "unspecified", []),
    ("care_subsidy", {}, "unspecified", []),
    ("health_checkup", {"age": 70}, "eligible", []),
    ("health_checkup", {"age": 50}, "not_eligible", []),
    ("family_doctor", {}, "need_info", ["age"]),
]


@pytest.mark.parametrize(("benefit", "profile", "expected", "missing"), LIANYUNGANG)
def test_lianyungang(kb, benefit, profile, expected, missing) -> None:
    b = status(kb, "连云港市", profile, benefit)
    assert (b.status, b.missing) == (expected, missing), b.reasons


@pytest.mark.parametrize(("benefit", "profile", "expected", "missing"), QIDONG)
def test_qidong(kb, benefit, profile, expected, missing) -> None:
    b = status(kb, "启东市", profile, benefit)
    assert (b.status, b.missing) == (expected, missing), b.reasons


@pytest.mark.parametrize(("benefit", "profile", "expected", "missing"), ANNING)
def test_anning(kb, benefit, profile, expected, missing) -> None:
    b = status(kb, "安宁市", profile, benefit)
    assert (b.status, b.missing) == (expected, missing), b.reasons


def test_nanchang_names_only_home_modification(kb) -> None:
    result = kb.eligibility("南昌市", {"age": 80}, today=TODAY)
    assert [(b.benefit, b.status) for b in result.benefits] == [("home_modification", "unspecified")]


def test_every_benefit_the_documents_name_is_listed(kb) -> None:
    listed = {b.benefit for b in kb.eligibility("连云港市", {}, today=TODAY).benefits}
    assert listed == {"gov_purchased_service", "care_visit", "service_subsidy", "care_subsidy", "home_modification",
                      "emergency_device", "health_checkup", "family_doctor"}
    listed = {b.benefit for b in kb.eligibility("启东市", {}, today=TODAY).benefits}
    assert {"longevity_allowance", "service_subsidy", "care_subsidy", "priority_admission", "family_care_bed",
            "assessment", "care_visit", "health_checkup", "emergency_device", "home_modification"} == listed


def test_contract_shape_and_amount(kb) -> None:
    d = kb.eligibility("连云港市", POOR_URBAN_ALONE, today=TODAY).to_dict()
    assert list(d) == ["region", "benefits"]
    g = d["benefits"][0]
    assert list(g) == ["benefit", "name", "status", "missing", "reasons", "amount", "citations"]
    assert g["benefit"] == "gov_purchased_service" and g["name"] == "政府购买居家养老服务"
    assert g["amount"] == "每人每月不低于60元"
    assert g["citations"][0]["clause"] == "四(二)5" and g["citations"][0]["doc_no"] == "连政发〔2020〕24号"


def test_reasons_are_plain_chinese_about_the_person(kb) -> None:
    b = status(kb, "连云港市", {"age": 70, "living": "alone", "economic": "dibao"}, "gov_purchased_service")
    assert b.reasons[0].startswith("您独居、享受低保，属于政府购买居家养老服务的对象")
    b = status(kb, "连云港市", {"age": 60}, "health_checkup")
    assert b.reasons[0].startswith("您今年60岁，不符合")
    b = status(kb, "连云港市", {"economic": "dibao"}, "gov_purchased_service")
    assert "还需要知道您的年龄、居住情况" in b.reasons[0]
    b = status(kb, "启东市", {}, "longevity_allowance")
    assert "没有写明" in b.reasons[0] and "12349" in b.reasons[0]


def test_an_ended_pilot_is_mentioned_in_the_reasons(kb) -> None:
    b = status(kb, "安宁市", {"age": 70}, "health_checkup")
    assert b.citations[0].valid == "试点期已过"
    assert any("试点期已过" in r for r in b.reasons)


def test_a_district_uses_its_citys_rules(kb) -> None:
    result = kb.eligibility("海州区", POOR_URBAN_ALONE, today=TODAY)
    assert result.region == "海州区"
    assert result.benefits[0].status == "eligible"


def test_chinese_values_are_understood(kb) -> None:
    b = status(kb, "连云港市", {"age": "83岁", "living": "独居", "economic": "低保"}, "gov_purchased_service")
    assert b.status == "eligible"


@pytest.mark.parametrize(
    "profile",
    [{"age": "八十"}, {"age": -1}, {"age": 200}, {"age": True}, {"living": "moon"}, {"economic": "rich"},
     {"disability": 3}, {"urban": "maybe"}, ["age", 80]],
)
def test_bad_profiles_raise_invalid_request(kb, profile) -> None:
    with pytest.raises(InvalidRequest):
        kb.eligibility("连云港市", profile, today=TODAY)


@pytest.mark.parametrize("region", ["火星市", "", None])
def test_unknown_regions_raise_invalid_request(kb, region) -> None:
    with pytest.raises(InvalidRequest):
        kb.eligibility(region, {}, today=TODAY)


def test_unknown_profile_keys_are_ignored_and_none_is_unknown(kb) -> None:
    b = status(kb, "连云港市", {"age": None, "name": "张三"}, "health_checkup")
    assert (b.status, b.missing) == ("need_info", ["age"])


def test_a_region_with_no_rules_lists_nothing(kb) -> None:
    assert kb.eligibility("江苏省", {}, today=TODAY).benefits == []


def test_regions(kb) -> None:
    assert kb.regions() == sorted(["南昌市", "启东市", "安宁市", "连云港市"])

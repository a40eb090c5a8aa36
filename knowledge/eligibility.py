"""Eligibility rules: per-region YAML, evaluated over a profile in three-valued logic.

A rules file (``knowledge/rules/<region>.yaml``)::

    region: 连云港市
    define:                      # named conditions, used as {ref: name}
      经济困难: {fact: economic, in: [dibao, dibao_edge, tekun, wubao, sanwu, low_income]}
    benefits:
      - benefit: gov_purchased_service        # id of CONTRACTS section 2
        amount: 每人每月不低于60元             # verbatim from the cited document, or null
        rules:                                # one or more grounds, each resting on one clause
          - doc: lianyungang-2020-24
            clause: 四(二)5
            quote: 将城市“三无”、农村“五保”和经济困难的高龄、独居、空巢、失能老人纳入政府购买服务范围
            who: 城市“三无”、农村“五保”和经济困难的高龄、独居、空巢、失能老人
            when: {any: [...]}                # no `when` → the document does not say who: unspecified
            then: eligible                    # status when `when` holds (default eligible)
            otherwise: not_eligible           # status when it fails (default not_eligible)

Conditions: ``{all: [..]}``, ``{any: [..]}``, ``{not: ..}``, ``{ref: name}`` and leaves
``{fact: F, in: [..]}`` / ``{fact: F, not_in: [..]}`` / ``{fact: F, is: true}`` /
``{fact: age, gte: 80}`` (also ``gt``, ``lte``, ``lt``). A fact missing from the profile is unknown;
``all``/``any`` follow Kleene logic, so the result is true, false or unknown (→ ``need_info``, and
``missing`` lists the unknown facts that still decide, in the order a conversation asks them).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from knowledge.errors import InvalidRequest, RuleError

FACT_ORDER = ["age", "living", "economic", "disability", "urban", "special_family", "priority_care"]
ENUMS: dict[str, tuple[str, ...]] = {
    "living": ("alone", "empty_nest", "with_family"),
    "economic": ("dibao", "dibao_edge", "tekun", "wubao", "sanwu", "low_income", "none"),
    "disability": ("disabled", "semi_disabled", "dementia", "handicapped", "none"),
}
BOOLS = ("urban", "special_family", "priority_care")
BENEFIT_NAMES = {
    "gov_purchased_service": "政府购买居家养老服务",
    "longevity_allowance": "高龄津贴（尊老金）",
    "service_subsidy": "养老服务补贴",
    "care_subsidy": "护理补贴",
    "family_care_bed": "家庭养老照护床位",
    "meal_subsidy": "助餐补贴",
    "home_modification": "适老化改造",
    "emergency_device": "一键通、紧急呼叫器等智能设备",
    "health_checkup": "健康体检（健康管理）",
    "family_doctor": "家庭医生签约",
    "assessment": "老年人能力评估",
    "care_visit": "关爱探访",
    "priority_admission": "公办养老机构优先入住",
}
STATUSES = ("eligible", "not_eligible", "need_info", "unspecified")
FACT_NAMES = {
    "age": "年龄",
    "living": "居住情况（独居、空巢还是和家人同住）",
    "economic": "经济状况（低保、特困等）",
    "disability": "身体状况（能否自理）",
    "urban": "住在城市还是农村",
    "special_family": "是否计划生育特殊家庭",
    "priority_care": "是否重点优抚对象",
}
VALUE_WORDS = {
    ("living", "alone"): "独居",
    ("living", "empty_nest"): "是空巢老人",
    ("living", "with_family"): "和家人同住",
    ("economic", "dibao"): "享受低保",
    ("economic", "dibao_edge"): "属于低保边缘家庭",
    ("economic", "tekun"): "是特困供养人员",
    ("economic", "wubao"): "是农村五保对象",
    ("economic", "sanwu"): "是城市“三无”老人",
    ("economic", "low_income"): "家庭经济困难",
    ("economic", "none"): "没有低保、特困等经济困难认定",
    ("disability", "disabled"): "失能",
    ("disability", "semi_disabled"): "半失能",
    ("disability", "dementia"): "失智",
    ("disability", "handicapped"): "有残疾",
    ("disability", "none"): "生活能自理",
    ("urban", True): "住在城市",
    ("urban", False): "住在农村",
    ("special_family", True): "是计划生育特殊家庭",
    ("special_family", False): "不是计划生育特殊家庭",
    ("priority_care", True): "是重点优抚对象",
    ("priority_care", False): "不是重点优抚对象",
}
# Chinese and loose spellings a caller may send for enum values.
ALIASES: dict[str, dict[str, str]] = {
    "living": {"独居": "alone", "一个人住": "alone", "空巢": "empty_nest", "和子女住": "with_family",
               "与子女同住": "with_family", "和家人住": "with_family"},
    "economic": {"低保": "dibao", "低保边缘": "dibao_edge", "特困": "tekun", "五保": "wubao", "三无": "sanwu",
                 "经济困难": "low_income", "低收入": "low_income", "无": "none", "没有": "none"},
    "disability": {"失能": "disabled", "半失能": "semi_disabled", "失智": "dementia", "认知障碍": "dementia",
                   "残疾": "handicapped", "无": "none", "能自理": "none"},
}
UNKNOWN = None  # the third truth value


def validate_profile(profile: dict[str, Any] | None) -> dict[str, Any]:
    """A clean profile: known keys only, values checked; unknown facts left out. Raises InvalidRequest."""
    if profile is None:
        return {}
    if not isinstance(profile, dict):
        raise InvalidRequest("profile 应当是一个 JSON 对象，例如 {\"age\": 83, \"living\": \"alone\"}")
    out: dict[str, Any] = {}
    for key, value in profile.items():
        if value is None or key not in FACT_ORDER:
            continue
        if key == "age":
            if isinstance(value, bool):
                raise InvalidRequest("年龄 age 应当是整数，例如 83")
            try:
                age = int(str(value).strip().removesuffix("岁"))
            except ValueError as exc:
                raise InvalidRequest(f"年龄 age 应当是整数，收到的是“{value}”") from exc
            if not 0 <= age <= 130:
                raise InvalidRequest(f"年龄 age 应当在0到130岁之间，收到的是{age}")
            out["age"] = age
        elif key in ENUMS:
            v = ALIASES[key].get(str(value).strip(), str(value).strip())
            if v not in ENUMS[key]:
                allowed = "、".join(ENUMS[key])
                raise InvalidRequest(f"{FACT_NAMES[key]} {key} 的取值应当是 {allowed} 之一，收到的是“{value}”")
            out[key] = v
        else:
            if isinstance(value, bool):
                out[key] = value
            elif str(value).strip().lower() in ("true", "1", "是", "yes"):
                out[key] = True
            elif str(value).strip().lower() in ("false", "0", "否", "no"):
                out[key] = False
            else:
                raise InvalidRequest(f"{FACT_NAMES[key]} {key} 应当是 true 或 false，收到的是“{value}”")
    return out


# ---------------------------------------------------------------- conditions


def check_condition(cond: Any, defines: dict[str, Any], where: str) -> None:
    if not isinstance(cond, dict) or len(cond) == 0:
        raise RuleError(f"{where}: 条件应当是键值对，收到 {cond!r}")
    if "all" in cond or "any" in cond:
        items = cond.get("all", cond.get("any"))
        if not isinstance(items, list) or not items:
            raise RuleError(f"{where}: all/any 后面应当是非空列表")
        for c in items:
            check_condition(c, defines, where)
    elif "not" in cond:
        check_condition(cond["not"], defines, where)
    elif "ref" in cond:
        if cond["ref"] not in defines:
            raise RuleError(f"{where}: 引用了未定义的条件 {cond['ref']}")
    elif "fact" in cond:
        fact = cond["fact"]
        if fact not in FACT_ORDER:
            raise RuleError(f"{where}: 不认识的事实 {fact}（可用：{', '.join(FACT_ORDER)}）")
        ops = set(cond) - {"fact"}
        if len(ops) != 1 or not ops <= {"in", "not_in", "is", "gte", "gt", "lte", "lt"}:
            raise RuleError(f"{where}: 事实 {fact} 的条件应当恰好有一个 in/not_in/is/gte/gt/lte/lt")
        op = ops.pop()
        if op in ("in", "not_in"):
            if fact not in ENUMS or not all(v in ENUMS[fact] for v in cond[op]):
                raise RuleError(f"{where}: {fact} 的取值 {cond[op]} 不在 {ENUMS.get(fact)} 之中")
        elif op == "is":
            if fact not in BOOLS or not isinstance(cond[op], bool):
                raise RuleError(f"{where}: is 只用于 {BOOLS} 且取 true/false")
        elif fact != "age" or not isinstance(cond[op], int):
            raise RuleError(f"{where}: 比较只用于年龄 age，且应当是整数")
    else:
        raise RuleError(f"{where}: 看不懂的条件 {cond!r}")


@dataclass
class Outcome:
    value: bool | None
    witnesses: list[tuple[str, Any]] = field(default_factory=list)
    """Facts of the profile that settled the value (for reasons)."""
    residual_facts: set[str] = field(default_factory=set)
    """When unknown: the facts that still decide."""


def evaluate(cond: dict[str, Any], profile: dict[str, Any], defines: dict[str, Any]) -> Outcome:
    if "ref" in cond:
        return evaluate(defines[cond["ref"]], profile, defines)
    if "not" in cond:
        o = evaluate(cond["not"], profile, defines)
        return Outcome(None if o.value is None else not o.value, o.witnesses, o.residual_facts)
    if "all" in cond or "any" in cond:
        is_all = "all" in cond
        parts = [evaluate(c, profile, defines) for c in cond["all" if is_all else "any"]]
        decisive = not is_all
        for p in parts:
            if p.value is decisive:
                return Outcome(decisive, p.witnesses)
        unknown = [p for p in parts if p.value is None]
        if unknown:
            return Outcome(None, [], set().union(*(p.residual_facts for p in unknown)))
        witnesses: list[tuple[str, Any]] = []
        for p in parts:
            witnesses += [w for w in p.witnesses if w not in witnesses]
        return Outcome(not decisive, witnesses)
    fact = cond["fact"]
    if fact not in profile:
        return Outcome(None, [], {fact})
    v = profile[fact]
    if "in" in cond:
        ok = v in cond["in"]
    elif "not_in" in cond:
        ok = v not in cond["not_in"]
    elif "is" in cond:
        ok = v is cond["is"]
    else:
        op, bound = next((k, cond[k]) for k in ("gte", "gt", "lte", "lt") if k in cond)
        ok = {"gte": v >= bound, "gt": v > bound, "lte": v <= bound, "lt": v < bound}[op]
    return Outcome(ok, [(fact, v)])


def describe(witnesses: list[tuple[str, Any]]) -> str:
    words = []
    for fact, v in sorted(witnesses, key=lambda w: FACT_ORDER.index(w[0])):
        words.append(f"今年{v}岁" if fact == "age" else VALUE_WORDS.get((fact, v), f"{fact}={v}"))
    return "、".join(dict.fromkeys(words))


# ---------------------------------------------------------------- rules files


@dataclass
class Ground:
    doc: str
    clause: str
    quote: str
    who: str | None
    when: dict[str, Any] | None
    then: str = "eligible"
    otherwise: str = "not_eligible"
    note: str | None = None


@dataclass
class BenefitRule:
    benefit: str
    name: str
    amount: str | None
    grounds: list[Ground]


@dataclass
class RegionRules:
    region: str
    benefits: list[BenefitRule]
    defines: dict[str, Any]
    source: Path | None = None


def parse_rules(data: dict[str, Any], source: Path | None = None) -> RegionRules:
    where = str(source or "rules")
    if not isinstance(data, dict) or "region" not in data or "benefits" not in data:
        raise RuleError(f"{where}: 规则文件应当有 region 和 benefits 两项")
    defines = data.get("define") or {}
    for name, cond in defines.items():
        check_condition(cond, defines, f"{where} define {name}")
    benefits = []
    for b in data["benefits"]:
        bid = b.get("benefit")
        if bid not in BENEFIT_NAMES:
            raise RuleError(f"{where}: 不认识的福利 {bid}（可用：{', '.join(BENEFIT_NAMES)}）")
        grounds = []
        for g in b.get("rules") or []:
            w = f"{where} {bid} {g.get('clause')}"
            for key in ("doc", "clause", "quote"):
                if not g.get(key):
                    raise RuleError(f"{w}: 缺少 {key}")
            if g.get("when") is not None:
                check_condition(g["when"], defines, w)
            then, otherwise = g.get("then", "eligible"), g.get("otherwise", "not_eligible")
            if then not in STATUSES or otherwise not in STATUSES:
                raise RuleError(f"{w}: then/otherwise 应当是 {STATUSES} 之一")
            grounds.append(Ground(str(g["doc"]), str(g["clause"]), str(g["quote"]), g.get("who"), g.get("when"),
                                  then, otherwise, g.get("note")))
        if not grounds:
            raise RuleError(f"{where} {bid}: 至少要有一条 rules（依据的条款）")
        benefits.append(BenefitRule(bid, b.get("name") or BENEFIT_NAMES[bid], b.get("amount"), grounds))
    from nlu.lexicon import canonical_region

    region = canonical_region(str(data["region"])) or str(data["region"])
    return RegionRules(region, benefits, defines, source)


def load_rules_dir(directory: Path) -> list[RegionRules]:
    out = []
    if directory.is_dir():
        for path in sorted(directory.glob("*.y*ml")):
            out.append(parse_rules(yaml.safe_load(path.read_text(encoding="utf-8")) or {}, path))
    return out


RANK = {"eligible": 0, "need_info": 1, "unspecified": 2, "not_eligible": 3}

"""The knowledge base: documents → clauses → index; questions → answers; profiles → eligibility."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np

from knowledge.answers import NOT_IN_DOCUMENTS, Answer, BenefitResult, Citation, EligibilityResult
from knowledge.clauses import Clause, cn_to_int
from knowledge.documents import PILOT_OVER, Document, load_dir
from knowledge.eligibility import (
    FACT_NAMES,
    FACT_ORDER,
    RANK,
    BenefitRule,
    Ground,
    RegionRules,
    describe,
    evaluate,
    load_rules_dir,
    validate_profile,
)
from knowledge.errors import InvalidRequest
from knowledge.query import normalize_question
from knowledge.search import (
    BROADER,
    CONCEPT,
    FRAME_WORDS,
    WHO_QUESTION,
    WHO_TOKENS,
    ClauseIndex,
    age_concepts,
    concepts,
    tokenize,
    unique,
    words,
)

PACKAGE_DIR = Path(__file__).resolve().parent
CORPUS_DIR = PACKAGE_DIR / "corpus"
RULES_DIR = PACKAGE_DIR / "rules"
FIGURE_Q = re.compile(r"多少|几|金额|标准是|多大|多高|比例|百分之|几成|覆盖率|数量")
MONEY_Q = re.compile(
    r"多少钱|[发领给补拿]多少|几[元块]|金额|[给发补领拿]多少钱|钱[是有]?多少"
    r"|补[贴助]?多少|津贴多少|多少补贴|几块钱|[花交收付掏]多少|费用多少"
)
PLACE_Q = re.compile(
    r"哪里有|在哪里|在哪儿|在哪|什么地方|地址|电话多少|电话号码|怎么联系|联系方式|找谁|去哪个|去哪家|哪个医院|哪家医院"
    r"|去哪[儿里]?[办领交]|到哪[儿里]?[办领交]"
)
RECOMMEND_Q = re.compile(r"哪[家个所].{0,6}(?:好|强|便宜|靠谱|划算)|推荐一[下个家]|口碑|排名")
"""which home is best: documents name no provider and rank none"""
WHOM_Q = re.compile(
    r"(?:找谁|找哪个部门|找什么部门|哪个部门管|什么部门管|归谁管|谁来管|谁负责|谁管)(?=$|[?？。!！,，\s]|[呢啊呀吗哇])"
)
"""who is responsible; "找谁修" asks for a service (a contact), which documents rarely give"""
RESPONSIBLE = re.compile(r"责任单位|负责|牵头|主管部门|[市县区]\S{1,6}[局委办]")
PLACE = re.compile(r"地址|位于|设在|[电话热线][:：]?\d{4,}|\d{7,}|\d{3,4}-\d{7,8}|路\d+号|街\d+号")
"""an address or a number to call: a sentence that merely mentions 电话 (每周电话联系) is neither"""
PROCEDURE_Q = re.compile(
    r"怎么申请|如何申请|怎么办理|如何办理|申请流程|办理流程|需要什么材料|要什么材料|带什么|怎么报名"
    r"|怎么领|如何领取|怎么领取"
)
PROCEDURE = re.compile(r"申请|办理|受理|审核|提交|免申即享|主动发放|报名|评估后|认定|签约|发放")
FREQUENCY_Q = re.compile(r"按月|按年|按季|多久一次|多长时间一次|几个月一次|每月还是|每年还是")
FREQUENCY = re.compile(r"每[月年周季天]|按[月年季]|每季度")
TIME_Q = re.compile(r"什么时候|哪年|哪一年|多久|期限|截止|何时|到几[年月]|几年|几月|哪天")
DURATION_Q = re.compile(r"多久|多长时间|(?<!到)几年(?!底)|几个月|几天|多少天|多少年")
DURATION = re.compile(
    r"(?<![\d年月])\d{1,2}\s*(?:年|个月|天|个工作日|工作日|周|小时)(?![底\d])|[一两二三四五六七八九十半]+个?(?:年|月|天|周|小时)(?!底)"
)
DATE_FIGURE = re.compile(r"\d{4}\s*年|\d{1,2}\s*月|年底|月底")
MEASURE_Q = re.compile(r"多少|几")
RELATION_Q = re.compile(r"(提供|包括|包含|给予|享受|负责|支持|开展)(?:了|的)?(?:什么|哪些|啥)")
MEASURE_GENERIC = frozenset(
    ["比例", "目标", "至少", "最少", "最多", "最低", "最高", "标准", "数量", "总数", "一共", "总共", "大概", "左右",
     "达到", "要到", "到", "能", "占", "有"]
)
MEASURE_IDF = 0.6
"""only a rare word is taken as what a figure question measures (报销; not 比例, 目标)"""
PRICE_Q = re.compile(r"多少钱|几[元块]|金额|几块钱|多少块|[花交收付掏]多少|费用多少")
"""a price or a sum asked outright; 拿多少 / 给多少 of a fund may be answered by its share too"""
COUNTED_Q = re.compile(r"(?:多少|几)(张|家|名|次|所|位|岁|平方米|平米|户|人)")
"""a count asked with its unit (几张床, 多少家): the figure answering it is counted in that unit"""
MONEY_OR_SHARE = re.compile(r"\d+(?:\.\d+)?\s*(?:元|万元|块|%)")
MONEY_FIGURE = re.compile(r"\d+(?:\.\d+)?\s*(?:元|万元|块)")
FIGURE = re.compile(
    r"\d|(?<![一二三四五六七八九十百千万两])(?!一[个项位处条])[一二三四五六七八九十百千万两]+(?:[个次张名家所级星倍项年岁人位处条成]|%)"
)
"""a figure; "一个良好的平台" is an article, not a count"""
# Question words go before tokenizing: jieba would glue them to the topic (多大面积 → 大面积, 由谁来).
QUESTION_WORDS = re.compile(
    r"怎么回事|是怎么回事|什么意思|啥意思|是不是|有没有|能不能|可不可以|会不会|行不行"
    r"|多[大少长久高远]|几[个次家张名岁天年月块元位项种成]?|由谁来?|谁来|是谁|什么|怎么|咋|啥|哪[些个里儿种]?"
)
# "一次" "两餐" "三个": a count said in passing, not what the question is about
COUNT = re.compile(r"[一两二三四五六七八九十\d]+\s*[次餐顿个回趟份]")
CN_NUMBER = re.compile(r"[一二三四五六七八九]?十[一二三四五六七八九]?|[一二三四五六七八九]百[零一二三四五六七八九十]*")
VALIDITY_Q = re.compile(
    r"还有效|有效吗|有没有效|过期|失效|还管用|还执行|还在执行|有效期|还算数|算数吗|作废|还能用吗|还作数|还灵不灵"
    r"|到期|停了吗|废止|取消了吗|还搞吗|还在搞"
    r"|(?:试点|文件|政策|方案).{0,6}(?:到什么时候|什么时候(?:结束|到期|截止)|到哪年|哪年结束|结束了)"
)
VALIDITY_SENTENCE = re.compile(r"起施行|试点期[:：自]|有效期|执行期|自.{2,20}至.{2,20}止")
BENEFIT_CONCEPTS = {
    "§政府购买居家养老服务": "gov_purchased_service",
    "§高龄津贴": "longevity_allowance",
    "§养老服务补贴": "service_subsidy",
    "§护理补贴": "care_subsidy",
    "§家庭养老照护床位": "family_care_bed",
    "§适老化改造": "home_modification",
    "§紧急呼叫": "emergency_device",
    "§健康管理": "health_checkup",
    "§家庭医生": "family_doctor",
    "§能力评估": "assessment",
    "§关爱探访": "care_visit",
    "§优先入住": "priority_admission",
}
PERSON_CONCEPTS = frozenset(
    "§" + c for c in ("独居", "空巢", "留守", "低保", "低保边缘", "特困", "五保", "三无", "经济困难", "失能", "失智",
                      "残疾", "计划生育特殊家庭", "重点优抚对象")
)
"""Facts about a person that eligibility rules decide on (said, not implied: "83岁" is not among them)."""
# read aloud without list dashes, line breaks and "一是/二是" enumerators
SPOKEN_DROP = re.compile(r"——|(?<![\u4e00-\u9fff])[一二三四五六七八九十]是|^[一二三四五六七八九十]是")
PARENTHETICAL = re.compile(r"[(（][^()（）]{12,}[)）]")
MIN_COVERAGE = 0.45
RERANK, COORD = 10, 1.5
"""The best ``RERANK`` clauses are re-scored by BM25 × coverage ** ``COORD``."""
ON_TOPIC = 0.4
"""A sentence giving a figure must hold the question's main word, or this share of its weight."""
FRAME_W, SIDE_W, WHO_W = 0.3, 0.5, 0.4
UNKNOWN_W = 1.0
"""A word no document uses weighs this much of the rarest word in coverage."""
_DEFAULT_TZ = ZoneInfo("Asia/Shanghai")


def shanghai_today() -> date:
    return datetime.now(_DEFAULT_TZ).date()


@dataclass
class _Row:
    """One indexed passage: a clause, or a stretch of a long clause (sentences ``lo``..``hi``)."""

    doc: Document
    clause: Clause
    lo: int
    hi: int


PASSAGE_FROM = 350
"""A clause longer than this many characters is indexed as passages of about ``PASSAGE_SIZE``, so a
sentence in a long clause is not drowned by the rest; its citation is still the clause."""
PASSAGE_SIZE = 150


def passages(clause: Clause) -> list[tuple[int, int]]:
    n = len(clause.sentences)
    if len(clause.text) <= PASSAGE_FROM:
        return [(0, n)]
    spans, lo, size = [(0, n)], 0, 0
    for i, s in enumerate(clause.sentences):
        size += len(s)
        if size >= PASSAGE_SIZE:
            spans.append((lo, i + 1))
            lo, size = i + 1, 0
    if lo < n:
        if len(spans) > 1 and size < PASSAGE_SIZE / 3:
            spans[-1] = (spans[-1][0], n)
        else:
            spans.append((lo, n))
    return spans


class KnowledgeBase:
    """Policy documents of one or more regions, their clause index, and their eligibility rules."""

    def __init__(
        self,
        documents: list[Document],
        rules: list[RegionRules] | None = None,
        clock: Callable[[], date] = shanghai_today,
    ) -> None:
        self.documents = documents
        self.by_id = {d.doc_id: d for d in documents}
        self.rules = rules or []
        self.clock = clock
        self.rows: list[_Row] = []
        tokens: list[list[str]] = []
        doc_of_row: list[int] = []
        overview: list[bool] = []
        for di, doc in enumerate(documents):
            for clause in doc.clauses:
                is_overview = _is_overview(clause)
                if _heading_only(clause):
                    continue
                # each sentence is tokenized once, whether it is indexed in its clause or in a passage;
                # the clause's own heading counts twice, the headings above it once
                head = tokenize(clause.heading) if clause.heading else []
                frame = head + head + (tokenize("\n".join(clause.context)) if clause.context else [])
                by_sentence = [tokenize(s) for s in clause.sentences]
                for lo, hi in passages(clause):
                    self.rows.append(_Row(doc, clause, lo, hi))
                    overview.append(is_overview)
                    tokens.append(frame + [t for toks in by_sentence[lo:hi] for t in toks])
                    doc_of_row.append(di)
        self.index = ClauseIndex.from_tokens(tokens, doc_of_row)
        self._sentence_tokens: dict[tuple[int, int], set[str]] = {}
        self._masks: dict[str, np.ndarray] = {}
        self._is_preamble = np.array([r.clause.path == "前言" for r in self.rows], dtype=bool)
        self._is_overview = np.array(overview, dtype=bool)
        self._priors: dict[date, np.ndarray] = {}

    # ------------------------------------------------------------------ loading

    @classmethod
    def load(
        cls,
        data_dir: Path | str | None = None,
        *,
        shipped: bool = True,
        clock: Callable[[], date] = shanghai_today,
    ) -> KnowledgeBase:
        """The shipped corpus and rules, plus what was ingested into ``<data_dir>/kb`` (same id wins)."""
        key = (str(data_dir) if data_dir else None, shipped, _dir_signature(data_dir))
        cached = _CACHE.get(key)
        if cached is not None:
            base = cls.__new__(cls)
            base.__dict__.update(cached.__dict__)
            base.clock = clock
            return base
        docs: dict[str, Document] = {}
        rules: dict[str, RegionRules] = {}
        dirs = [(CORPUS_DIR, RULES_DIR)] if shipped else []
        if data_dir:
            kb = Path(data_dir) / "kb"
            dirs.append((kb / "docs", kb / "rules"))
        for doc_dir, rules_dir in dirs:
            for d in load_dir(doc_dir):
                docs[d.doc_id] = d
            for r in load_rules_dir(rules_dir):
                rules[r.region] = r
        base = cls(list(docs.values()), list(rules.values()), clock)
        _CACHE[key] = base
        return base

    def regions(self) -> list[str]:
        """Regions that have documents or rules."""
        names = {d.meta.region for d in self.documents if d.meta.region} | {r.region for r in self.rules}
        return sorted(names)

    # ------------------------------------------------------------------ questions

    def ask(self, question: str, region: str | None = None, today: date | None = None) -> Answer:
        if not isinstance(question, str) or not question.strip():
            raise InvalidRequest("请说一下您想问的问题")
        question = question.strip()
        if len(question) > 500:
            raise InvalidRequest("问题太长了，请用一两句话说明您想了解什么")
        today = today or self.clock()
        given = _canonical_region(region) if region else None
        # full-width digits and letters as ASCII (８０岁 → 80岁), for matching only; the question is kept as asked
        asked = normalize_question(question)  # how the documents would word it; answers keep the question
        mentioned, stripped = _regions_in(asked)
        stripped = CN_NUMBER.sub(_arabic, stripped)
        # "查一次身体" is "查身体" said with a count: its terms are looked for with the count left out too
        said = unique(concepts(stripped) + concepts(COUNT.sub("", stripped)))
        derived = age_concepts(stripped)
        q_concepts = unique(said + derived)
        stripped_asked = stripped
        stripped = COUNT.sub(" ", QUESTION_WORDS.sub(" ", stripped))
        # a region named in the question wins over the caller's default, if we hold its documents
        target = next((r for r in mentioned if self._docs_for(r)), None) or given
        if target is None and mentioned:
            target = mentioned[0]
        answer_region = target
        if target is not None and self._docs_for(target) and VALIDITY_Q.search(asked):
            return self._validity_answer(question, target, today)
        if target is not None and not self._docs_for(target):
            have = "、".join(self.regions())
            return Answer(question, answer_region,
                          f"我们的资料里还没有{target}的养老政策文件（目前有：{have}）。{NOT_IN_DOCUMENTS}",
                          [], 0.0)
        mask = self._region_mask(target) if target is not None else None

        q_words = words(stripped)
        broader = unique(b for c in q_concepts for b in BROADER.get(c, ()) if b not in q_concepts)
        q_tokens = unique(q_words + q_concepts + broader)
        if not q_tokens:
            return self._not_found(question, answer_region)
        # what the question is about counts fully; how it asks (享受, 多少钱), what it implies (83岁 → 高龄)
        # and what it broadens to (低保 → 经济困难) count less
        token_weight = {t: (FRAME_W if t in FRAME_WORDS or t.removeprefix(CONCEPT) in FRAME_WORDS else 1.0)
                        for t in q_tokens}
        for t in broader:
            token_weight[t] = SIDE_W
        for t in derived:
            if t not in said:
                token_weight[t] = SIDE_W
        if WHO_QUESTION.search(asked):
            for t in WHO_TOKENS:
                token_weight.setdefault(t, WHO_W)
        relation = self._relation(stripped_asked)
        if relation in token_weight:  # "互助食堂提供什么服务": 提供 is what is asked about X, not how
            token_weight[relation] = 1.0
        scores = self.index.weighted_scores(token_weight, mask) * self._prior(today)
        top = self._distinct(self.index.top(scores, 30), RERANK)
        if not top:
            return self._not_found(question, answer_region)

        weights = self._query_weights(stripped, q_words, q_concepts)
        if relation in weights:
            weights[relation] = self.index.idf(relation)
        for c in derived:  # told, not asked: "83岁" makes 高龄 likely relevant, not required
            if c in weights and c not in said:
                weights[c] *= 0.3
        # BM25 rewards a word said many times (a heading repeated over a whole annex); a clause that holds
        # all of what is asked beats one that holds a part of it many times over
        scores = scores.copy()
        for row in top:
            scores[row] *= self._coverage(weights, self.index.tokens[row]) ** COORD
        top = sorted(top, key=lambda r: -scores[r])[:5]
        money_q = bool(MONEY_Q.search(asked))
        time_q = bool(TIME_Q.search(asked))
        figure_q = bool(FIGURE_Q.search(asked)) or time_q
        need = MONEY_FIGURE if money_q else DATE_FIGURE if time_q else FIGURE if figure_q else None
        what_missing = "具体金额" if money_q else "具体时间" if time_q else "具体数字"
        if money_q and not PRICE_Q.search(asked):  # "福彩的钱拿多少": a sum, or the share of a fund
            need = MONEY_OR_SHARE
        unit = COUNTED_Q.search(asked)
        if need is FIGURE and unit:  # 有多少张床: a count of 张, not the 42个 stations in the same sentence
            need = _counted(unit.group(1))
        if DURATION_Q.search(asked):  # 要等多久, 改造要几年: a span of time (2年, 三个月), not a date
            need, what_missing = DURATION, "具体时长"
        if FREQUENCY_Q.search(asked):  # 按月还是按年: only a sentence that says how often will do
            need, figure_q = FREQUENCY, True
        if RECOMMEND_Q.search(asked):  # which home is best: documents name no provider, nor rank them
            return self._not_found(question, answer_region)
        if WHOM_Q.search(asked):  # 找谁 / 哪个部门管: the document names the office responsible
            need, figure_q, what_missing = RESPONSIBLE, False, "负责的部门"
        elif PLACE_Q.search(asked):  # where / whom to call: policy texts rarely say; only an address will do
            need, figure_q, what_missing = PLACE, True, "具体地点和联系方式"
        elif need is None and PROCEDURE_Q.search(asked):  # how to apply: only a sentence about applying
            need, what_missing = PROCEDURE, "具体的申请办法"
        topic = self._topic_tokens(weights)
        best_row = top[0]
        coverage = max(self._coverage(weights, self.index.tokens[r]) for r in top[:3])
        if coverage < MIN_COVERAGE:
            return self._not_found(question, answer_region, coverage)

        chosen = None
        candidates = [(row, topic) for rank, row in enumerate(top[:3])
                      if rank == 0 or scores[row] >= 0.6 * scores[best_row]]
        if need is not None:
            # a figure is often in the next article ("第二条 …发放高龄津贴。第三条 每人每月100元"):
            # it inherits the topic of the clause before it
            candidates += [(row + 1, ("",)) for row, _ in candidates[:2]
                           if row + 1 < len(self.rows) and self.rows[row + 1].doc is self.rows[row].doc]
        measured = self._measured(stripped_asked, weights) if need is not None else None
        for row, row_topic in candidates:
            if need is RESPONSIBLE:  # the clause's own note of the offices responsible: (责任单位:…)
                if row_topic == ("",):
                    continue
                sents = self.rows[row].clause.sentences
                sent_idx = [i for i, x in enumerate(sents) if x.lstrip().startswith(("(", "（"))
                            and RESPONSIBLE.search(x)][-1:] or None
            else:
                sent_idx = self._best_sentences(row, weights, need, row_topic, measured)
            if sent_idx is not None:
                chosen = (row, sent_idx)
                break
        if chosen is None:
            # the documents speak of it, but do not give the figure asked for
            subject = self._topic(q_concepts, q_words)
            text = f"现有的政策文件里没有写明{subject}{what_missing}。{NOT_IN_DOCUMENTS}"
            return Answer(question, answer_region, text, [], round(0.3 * coverage, 3))
        row, sent_idx = chosen
        r = self.rows[row]
        quote = _span(r.clause, sent_idx)
        valid = r.doc.meta.validity_on(today)
        clause_path = r.clause.path
        # "who can get X?", and "my mother lives alone on 低保: can she get X?" (a benefit asked about for a
        # person described by the facts the rules decide on) are answered from the sentence the rules cite
        about_person = any(c in PERSON_CONCEPTS for c in said)
        ground = (self._who_ground(q_concepts, r.doc, r.clause.path)
                  if need is None and (WHO_QUESTION.search(asked) or about_person) else None)
        if ground is not None:
            # "who can get X?": the rules say which sentence of this document decides it
            benefit, g = ground
            if g.when is None:
                return Answer(question, answer_region,
                              f"《{_spoken_title(r.doc.meta.title)}》提到了{benefit.name}，但没有写明哪些人可以享受。"
                              f"{NOT_IN_DOCUMENTS}",
                              [Citation(r.doc.doc_id, r.doc.meta.title, r.doc.meta.doc_no, r.doc.meta.region,
                                        g.clause, g.quote, valid)], round(0.5 * coverage, 3), answered=True)
            clause_path, quote = g.clause, g.quote
        citation = Citation(r.doc.doc_id, r.doc.meta.title, r.doc.meta.doc_no, r.doc.meta.region,
                            clause_path, quote, valid)
        citations = [citation]
        for other in top[1:3]:
            if other == row or scores[other] < 0.5 * scores[row]:
                continue
            o = self.rows[other]
            if (o.doc.doc_id, o.clause.path) == (citation.doc_id, citation.clause):
                continue
            oi = self._best_sentences(other, weights, None, ())
            if oi is None:
                continue
            citations.append(Citation(o.doc.doc_id, o.doc.meta.title, o.doc.meta.doc_no, o.doc.meta.region,
                                      o.clause.path, _span(o.clause, oi),
                                      o.doc.meta.validity_on(today)))
        if need is RESPONSIBLE and ground is None:
            spoken = _end(f"{r.clause.heading or ''}：{quote.strip().strip('()（）')}".lstrip("："))
        else:
            spoken = self._spoken(quote, weights, figure_q)
        text = f"根据《{_spoken_title(r.doc.meta.title)}》，{spoken}"
        if valid == PILOT_OVER:
            text += _pilot_note(r.doc)
        elif valid not in ("在效",):
            text += "这份文件的效力状态不明，请以当地民政局的答复为准。"
        margin = 1.0 if len(top) < 2 else min(1.0, (scores[top[0]] - scores[top[1]]) / max(scores[top[0]], 1e-6) * 3)
        confidence = max(0.0, min(1.0, 0.35 + 0.45 * coverage + 0.2 * margin))
        return Answer(question, answer_region, text, citations, round(confidence, 3), answered=True)

    def _who_ground(self, q_concepts: list[str], doc: Document, clause: str = "") -> tuple[BenefitRule, Ground] | None:
        """The rule ground, resting on ``doc``, of the benefit a who-question is about (the one resting on the
        clause found, ``clause``, when the benefit has several grounds in the document)."""
        wanted = [BENEFIT_CONCEPTS[c] for c in q_concepts if c in BENEFIT_CONCEPTS]
        if not wanted or not doc.meta.region:
            return None
        found = []
        for rr in self.rules_for(doc.meta.region):
            for b in rr.benefits:
                if b.benefit in wanted:
                    found += [(b, g) for g in b.grounds if g.doc == doc.doc_id]
        return next((bg for bg in found if bg[1].clause == clause), found[0] if found else None)

    def _validity_answer(self, question: str, region: str, today: date) -> Answer:
        """"Is the policy still in force?": each document of the region, judged on ``today``."""
        docs = sorted(self._docs_for(region), key=lambda d: (d.meta.region != region, d.doc_id))[:2]
        parts, citations = [], []
        for d in docs:
            valid = d.meta.validity_on(today)
            no = f"（{d.meta.doc_no}）" if d.meta.doc_no else ""
            if valid == PILOT_OVER:
                state = _pilot_note(d).removeprefix("不过，这份文件的").rstrip("。")
                state = "试点期" + state.removeprefix("试点期")
            else:
                words = {"在效": "目前有效", "已失效": "已经失效", "尚未施行": "还没有开始施行"}
                state = words.get(valid, "效力状态不明")
            parts.append(f"《{_spoken_title(d.meta.title)}》{no}{state}。")
            body = [c for c in d.clauses if not c.path.startswith("附件")]
            sentence = next((s for c in body for s in c.sentences if VALIDITY_SENTENCE.search(s)), None)
            first = d.clauses[0] if d.clauses else None
            clause = next((c for c in d.clauses if sentence and sentence in c.sentences), first)
            if clause is not None:
                citations.append(Citation(d.doc_id, d.meta.title, d.meta.doc_no, d.meta.region, clause.path,
                                          sentence or clause.sentences[0], valid))
        return Answer(question, region, "".join(parts), citations, 0.9 if citations else 0.3, answered=bool(citations))

    def _docs_for(self, region: str) -> list[Document]:
        """Documents that may answer for ``region`` (its own and its enclosing regions')."""
        return [self.documents[i] for i in np.flatnonzero(self._region_mask(region))]

    def _not_found(self, question: str, region: str | None, coverage: float = 0.0) -> Answer:
        where = f"{region}的" if region else ""
        return Answer(question, region, f"这个问题在我们掌握的{where}政策文件里没有找到答案。{NOT_IN_DOCUMENTS}",
                      [], round(0.3 * coverage, 3))

    def _query_weights(self, text: str, q_words: list[str], q_concepts: list[str]) -> dict[str, float]:
        """What the question is about, weighted: IDF of each word (a word the corpus never uses weighs most);
        words the lexicon stands for count through their concept only; question-frame words (享受, 多少钱…)
        count little; numbers (ages, counts a person tells about themselves) not at all."""
        from knowledge.search import _surface_regex

        rx, _ = _surface_regex()
        spans = [m.span() for m in rx.finditer(text)] if rx else []
        covered = bytearray(len(text))  # characters said by a lexicon term
        for a, b in spans:
            covered[a:b] = b"\x01" * (b - a)
        words = unique(q_words)
        weights: dict[str, float] = {}
        for t in words:
            if t.isdigit() or _said_by_terms(t, text, covered):
                continue
            df = self.index.df.get(t, 0)
            if df:
                weights[t] = self.index.idf(t)
            elif len(t) == 3 and self.index.df.get(t[1:]):
                continue  # 打电话, 查身体: a verb on a known word, which speaks for it (银行卡 is no 银行)
            else:
                weights[t] = UNKNOWN_W * self.index.max_idf
            if t in FRAME_WORDS:
                weights[t] *= 0.2
        for c in unique(q_concepts):
            weights[c] = self.index.idf(c) if c in self.index.df else self.index.max_idf
            if c.removeprefix(CONCEPT) in FRAME_WORDS:
                weights[c] *= 0.2
        return weights

    @staticmethod
    def _coverage(weights: dict[str, float], row_tokens: list[str]) -> float:
        """Share of the question's weight the clause holds (a concept also counts through a broader one)."""
        total = sum(weights.values())
        if total <= 0:
            return 0.0
        have = set(row_tokens)
        got = 0.0
        for t, w in weights.items():
            if t in have or any(b in have for b in BROADER.get(t, ())):
                got += w
        return got / total

    def _region_mask(self, region: str) -> np.ndarray:
        """Which documents may answer for ``region``: its own and those of every region enclosing it."""
        if region not in self._masks:
            allowed = set(_ancestors(region))
            self._masks[region] = np.array([d.meta.region in allowed for d in self.documents], dtype=bool)
        return self._masks[region]

    def _prior(self, today: date) -> np.ndarray:
        if today not in self._priors:
            if len(self._priors) > 16:
                self._priors.clear()
            self._priors[today] = self._compute_prior(today)
        return self._priors[today]

    def _compute_prior(self, today: date) -> np.ndarray:
        """Per-row multiplier: an ended pilot yields to a document in force when both answer equally well;
        the preamble (notice, title) yields to the clauses."""
        per_doc = np.array(
            [0.93 if d.meta.validity_on(today) == PILOT_OVER else 1.0 for d in self.documents] or [1.0],
            dtype=np.float32,
        )
        prior = per_doc[self.index.doc_of_row] if len(self.rows) else np.ones(0, dtype=np.float32)
        prior = prior * np.where(self._is_preamble, 0.7, np.where(self._is_overview, OVERVIEW, 1.0)).astype(np.float32)
        return prior

    def _distinct(self, rows: list[int], k: int) -> list[int]:
        """The best passage of each clause, best clauses first."""
        seen, out = set(), []
        for row in rows:
            key = (self.rows[row].doc.doc_id, self.rows[row].clause.path)
            if key not in seen:
                seen.add(key)
                out.append(row)
        return out[:k]

    @staticmethod
    def _said_in(token: str, sentence: str) -> bool:
        return token.removeprefix(CONCEPT) in sentence

    def _sent_tokens(self, row: int, i: int) -> set[str]:
        key = (row, i)
        if key not in self._sentence_tokens:
            c = self.rows[row].clause
            self._sentence_tokens[key] = set(tokenize(c.sentences[i]))
        return self._sentence_tokens[key]

    def _topic_tokens(self, weights: dict[str, float]) -> tuple[str, ...]:
        """The token the question is most about (highest weight), with the broader concepts standing for it."""
        if not weights:
            return ()
        t = max(weights, key=lambda k: (weights[k], k))
        return (t, *BROADER.get(t, ()))

    @staticmethod
    def _relation(text: str) -> str | None:
        """The verb a what-question asks about its subject: 提供 in "X提供什么服务", 包括 in "X包括哪些内容"."""
        m = RELATION_Q.search(text)
        return m.group(1) if m else None

    def _measured(self, text: str, weights: dict[str, float]) -> str | None:
        """What a figure question measures: the word said right before 多少/几 (报销多少, 覆盖率多少,
        奖励多少钱), when it is a word of the documents and not a frame word (要, 达到, 每月)."""
        m = MEASURE_Q.search(text)
        if m is None:
            return None
        before = text[: m.start()]
        toks = tokenize(before[-8:])
        if not toks:
            return None
        last = words(before[-8:])
        if not last:
            return None
        t = last[-1]
        said = [c for c in concepts(before[-8:]) if c in weights]
        if said and any(t in s for s in (c.removeprefix(CONCEPT) for c in said)):
            t = said[-1]
        if (t not in weights or t in FRAME_WORDS or t.removeprefix(CONCEPT) in FRAME_WORDS or t in MEASURE_GENERIC
                or not self.index.df.get(t) or self.index.idf(t) < MEASURE_IDF * self.index.max_idf):
            return None
        return t

    def _best_sentences(
        self, row: int, weights: dict[str, float], need: re.Pattern[str] | None, topic: tuple[str, ...],
        measured: str | None = None,
    ) -> list[int] | None:
        """The clause's sentence(s) that answer best. When a figure is asked (``need``), only a sentence
        that gives one and speaks of the question's topic will do, else None; a following sentence
        that gives the next figure of the same series comes along (2020年底前…50%；2021年底前…80%)."""
        r = self.rows[row]
        clause = r.clause
        sentences = clause.sentences
        best, best_score = None, 0.0
        total = sum(weights.values())
        for i, s in enumerate(sentences):
            if clause.path == "前言" and _is_furniture(s):
                continue
            toks = self._sent_tokens(row, i)
            score = sum(w for t, w in weights.items() if t in toks)
            on_topic = topic == ("",) or any(t in toks for t in topic) or score >= ON_TOPIC * total
            if need is not None and (not need.search(s) or score <= 0 or not on_topic):
                continue
            if measured is not None and measured not in toks and not self._said_in(measured, s):
                continue  # "住院报销多少": a figure of 住院病床 is not one of 报销
            if len(s) < 12:
                score *= 0.5
            if i == 0 and clause.heading and s.startswith(clause.heading):
                score *= 0.4  # the clause's title says what it is about, the sentences after it say it
            if score > best_score:
                best, best_score = i, score
        if best is None:
            return None
        chosen = [best]
        nxt = best + 1
        if (
            need is not None
            and nxt < len(sentences)
            and need.search(sentences[nxt])
            and len(sentences[best]) + len(sentences[nxt]) <= 160
            and any(t in self._sent_tokens(row, nxt) for t in weights if weights[t] > 1.0)
        ):
            chosen.append(nxt)
        return chosen

    def _spoken(self, quote: str, weights: dict[str, float], figure_q: bool, limit: int = 90) -> str:
        """The quote made short enough to read aloud: its most relevant parts, in order, verbatim."""
        text = PARENTHETICAL.sub("", quote)
        text = SPOKEN_DROP.sub("", text.replace("\n", "")).strip()
        if len(text) <= limit:
            return _end(text)
        parts = [p for p in re.split(r"(?<=[，,；;：:])", text) if p.strip()]
        gain = []
        for p in parts:
            toks = set(tokenize(p))
            g = sum(w for t, w in weights.items() if t in toks)
            if figure_q and FIGURE.search(p):
                g += 2.0
            gain.append(g)
        # the best contiguous run of parts that fits: read aloud, it still says what the document says
        best, best_gain = (0, 1), -1.0
        for i in range(len(parts)):
            length, total = 0, 0.0
            for j in range(i, len(parts)):
                length += len(parts[j])
                if length > limit and j > i:
                    break
                total += gain[j]
                if total > best_gain:
                    best, best_gain = (i, j + 1), total
        i, j = best
        length = sum(len(p) for p in parts[i:j])
        while j < len(parts) and length + len(parts[j]) <= limit:  # finish the sentence if it fits
            length += len(parts[j])
            j += 1
        while i > 0 and length + len(parts[i - 1]) <= limit:
            i -= 1
            length += len(parts[i])
        out = "".join(parts[i:j]).rstrip("，,；;：:")
        return _end(out)

    @staticmethod
    def _topic(q_concepts: list[str], q_words: list[str]) -> str:
        generic = {"§老年人", "§养老机构", "§居家养老服务"}
        for c in q_concepts:
            if c not in generic:
                return c.removeprefix(CONCEPT) + "的"
        return ""

    # ------------------------------------------------------------------ eligibility

    def rules_for(self, region: str) -> list[RegionRules]:
        by_region = {r.region: r for r in self.rules}
        return [by_region[r] for r in _ancestors(region) if r in by_region]

    def eligibility(self, region: str, profile: dict | None, today: date | None = None) -> EligibilityResult:
        if not region or not isinstance(region, str):
            raise InvalidRequest("请告诉我您所在的地区，例如 连云港市")
        name = _canonical_region(region)
        facts = validate_profile(profile)
        today = today or self.clock()
        result = EligibilityResult(region=name)
        seen: set[str] = set()
        for rr in self.rules_for(name):
            for b in rr.benefits:
                if b.benefit in seen:
                    continue
                seen.add(b.benefit)
                result.benefits.append(self._judge(rr, b, facts, today))
        return result

    def _judge(self, rr: RegionRules, b: BenefitRule, facts: dict, today: date) -> BenefitResult:
        verdicts = []
        for g in b.grounds:
            if g.when is None:
                verdicts.append(("unspecified", g, [], None))
                continue
            o = evaluate(g.when, facts, rr.defines)
            if o.value is None:
                missing = [f for f in FACT_ORDER if f in o.residual_facts]
                verdicts.append(("need_info", g, missing, o))
            else:
                verdicts.append((g.then if o.value else g.otherwise, g, [], o))
        status = min((v[0] for v in verdicts), key=RANK.__getitem__)
        chosen = [v for v in verdicts if v[0] == status]
        missing = [f for f in FACT_ORDER if any(f in v[2] for v in chosen)] if status == "need_info" else []
        reasons = [self._reason(b, status, g, o) for _, g, _, o in chosen]
        citations = [self._citation(g, today) for _, g, _, _ in chosen]
        notes = [g.note for _, g, _, _ in chosen if g.note]
        for c in citations:
            if c.valid == PILOT_OVER:
                notes.append(f"依据的《{c.title}》试点期已过，现在是否仍执行请向当地民政局确认。")
        return BenefitResult(b.benefit, b.name, status, missing, unique(reasons + notes), b.amount, citations)

    def _reason(self, b: BenefitRule, status: str, g: Ground, o) -> str:
        who = f"（{g.who}）" if g.who else ""
        if status == "unspecified":
            if o is not None and o.witnesses:
                return (f"您{describe(o.witnesses)}。文件提到了{b.name}{who}，但要经过当地认定，"
                        f"具体请咨询当地民政局或拨打12349。")
            return f"文件提到了{b.name}，但没有写明哪些人可以享受，具体请咨询当地民政局或拨打12349。"
        if status == "need_info":
            ask = "、".join(FACT_NAMES[f] for f in FACT_ORDER if f in o.residual_facts)
            known = f"已知您{describe(o.witnesses)}；" if o.witnesses else ""
            return f"{known}{b.name}面向{g.who or '符合条件的老年人'}，还需要知道您的{ask}。"
        if status == "eligible":
            return f"您{describe(o.witnesses)}，属于{b.name}的对象{who}。"
        return f"您{describe(o.witnesses)}，不符合{b.name}的条件{who}。"

    def _citation(self, g: Ground, today: date) -> Citation:
        doc = self.by_id.get(g.doc)
        if doc is None:
            return Citation(g.doc, g.doc, None, None, g.clause, g.quote, "未知")
        return Citation(doc.doc_id, doc.meta.title, doc.meta.doc_no, doc.meta.region, g.clause, g.quote,
                        doc.meta.validity_on(today))

    # ------------------------------------------------------------------ validation

    def validate(self) -> list[str]:
        """Problems of the rules: every quote and amount must be verbatim in its cited clause."""
        problems = []
        for rr in self.rules:
            where = rr.source.name if rr.source else rr.region
            for b in rr.benefits:
                texts = []
                for g in b.grounds:
                    doc = self.by_id.get(g.doc)
                    if doc is None:
                        problems.append(f"{where} {b.benefit}: 没有文件 {g.doc}")
                        continue
                    clause = next((c for c in doc.clauses if c.path == g.clause), None)
                    if clause is None:
                        problems.append(f"{where} {b.benefit}: 《{doc.meta.title}》里没有条款 {g.clause}")
                        continue
                    texts.append(doc.text)
                    if g.quote not in clause.text:
                        problems.append(f"{where} {b.benefit}: 条款 {g.clause} 里找不到原文“{g.quote}”")
                    if doc.meta.region and doc.meta.region not in _ancestors(rr.region):
                        problems.append(f"{where} {b.benefit}: 《{doc.meta.title}》不是{rr.region}的文件")
                if b.amount and texts and not any(b.amount in t for t in texts):
                    problems.append(f"{where} {b.benefit}: 金额“{b.amount}”不在所引文件原文中")
        return problems

    def clause(self, doc_id: str, path: str) -> Clause | None:
        doc = self.by_id.get(doc_id)
        return next((c for c in doc.clauses if c.path == path), None) if doc else None


_CACHE: dict[tuple, KnowledgeBase] = {}


def _dir_signature(data_dir: Path | str | None) -> tuple:
    if not data_dir:
        return ()
    kb = Path(data_dir) / "kb"
    if not kb.is_dir():
        return ()
    return tuple(sorted((str(p), p.stat().st_mtime_ns) for p in kb.rglob("*") if p.is_file()))


OVERVIEW_HEADING = re.compile(r"目标|指导思想|总体要求|总体思路")
OVERVIEW = 0.9
"""A document's overview (主要目标, 指导思想 …) sums up every measure in a few words each; the clause that
sets a measure out says more about it, so the overview yields to it when both answer about equally."""


def _is_overview(clause: Clause) -> bool:
    head = clause.heading or (clause.sentences[0][:12] if clause.sentences else "")
    return bool(OVERVIEW_HEADING.search(head)) or any(OVERVIEW_HEADING.search(c) for c in clause.context[-1:])


@cache
def _counted(unit: str) -> re.Pattern[str]:
    unit = {"平米": "平方米"}.get(unit, unit)
    return re.compile(rf"\d[\d.]*(?:\s*[-—~至]\s*\d[\d.]*)?\s*{unit}|[一二两三四五六七八九十百千万]+{unit}")


def _arabic(m: re.Match[str]) -> str:
    """八十五 → 85, but a five-year plan stays itself (十四五, 十三五规划)."""
    if re.fullmatch(r"十[一二三四五]", m.group(0)) and m.string[m.end() : m.end() + 1] == "五":
        return m.group(0)
    return str(cn_to_int(m.group(0)))


def _said_by_terms(word: str, text: str, covered: bytearray) -> bool:
    """Is every character of ``word`` (somewhere it occurs in ``text``) part of a lexicon term?
    (老年人权益被侵害 → 老年人权益 + 侵害: the word 权益被侵害, one particle apart, says nothing more.)"""
    i = text.find(word)
    while i != -1:
        if len(word) - sum(covered[i : i + len(word)]) <= (1 if len(word) >= 4 else 0):
            return True
        i = text.find(word, i + 1)
    return False


def _heading_only(clause: Clause) -> bool:
    """A heading with nothing under it ("四、重点任务"): its title is context for the clauses below."""
    if "\n" in clause.text or len(clause.sentences) > 1 or clause.path.endswith("条"):
        return False
    only = clause.sentences[0] if clause.sentences else ""
    return len(only) <= 20 and not re.search(r"[，,；;、：:]", only)


def _canonical_region(region: str) -> str:
    from nlu.lexicon import canonical_region

    name = canonical_region(region.strip())
    if name is None:
        raise InvalidRequest(f"不认识的地区“{region}”，请说市或区县的全称，例如 连云港市、海州区")
    return name


def _ancestors(region: str) -> list[str]:
    from nlu.lexicon import region_ancestors

    return region_ancestors(region) or [region]


def _regions_in(text: str) -> tuple[list[str], str]:
    """Regions named in a question (longest names first) and the question with them taken out."""
    found = []
    for form, name in _region_forms():
        if form in text:
            found.append(name)
            text = text.replace(form, " ")
    return unique(found), text


@cache
def _region_forms() -> tuple[tuple[str, str], ...]:
    """Every way of saying a region of the gazetteer (two characters or more), longest first."""
    from nlu.lexicon import regions

    forms = {form: r.name for r in regions() for form in r.surface_forms if len(form) >= 2}
    return tuple(sorted(forms.items(), key=lambda kv: -len(kv[0])))


def _span(clause: Clause, idx: list[int]) -> str:
    """The sentences ``idx`` (consecutive) exactly as the clause has them, whatever lies between."""
    first, last = clause.sentences[idx[0]], clause.sentences[idx[-1]]
    start = clause.text.find(first)
    end = clause.text.find(last, start + len(first) if len(idx) > 1 else start) + len(last)
    return clause.text[start:end]


def _is_furniture(sentence: str) -> bool:
    from knowledge.cleaning import _is_document_furniture

    return _is_document_furniture(sentence)


def _spoken_title(title: str) -> str:
    """《…(2020—2021)》 and 《…(试行)》 read aloud without the bracket."""
    return re.sub(r"[(（][^()（）]*[)）]$", "", title).strip() or title


def _end(s: str) -> str:
    s = s.strip()
    return s if s and s[-1] in "。！？" else s.rstrip("；;，,：:") + "。"


def _pilot_note(doc: Document) -> str:
    m = doc.meta
    if m.pilot_start and m.pilot_end:
        span = f"（{m.pilot_start.year}年{m.pilot_start.month}月至{m.pilot_end.year}年{m.pilot_end.month}月）"
    else:
        span = ""
    return f"不过，这份文件的试点期{span}已经结束，现在是否仍执行，请向当地民政局确认。"

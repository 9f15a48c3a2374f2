"""Name search: any substring of two or more characters, USCC spellings, pinyin initials; same on both databases."""

from __future__ import annotations

import random

import pytest

from zhiliang.kernel.auth import Actor
from zhiliang.registry import queries, uscc
from zhiliang.registry.domain import EnterpriseRecord
from zhiliang.registry.service import upsert_enterprises

NAMES = [
    "沙坪坝区恒达食品有限公司", "渝中区鑫源食品加工厂", "九龙坡区华宇机械制造有限公司", "南岸区恒达科技股份有限公司",
    "重庆长安汽车配件有限公司", "ABC科技(重庆)有限公司", "北碚区张记小吃店", "巴南区金诚建材经营部",
    "渝中区食为天餐饮有限公司", "沙坪坝区品食汇超市",
]


def record(code: str, name: str) -> EnterpriseRecord:
    return EnterpriseRecord(uscc=code, uscc_warning=None, name=name, entity_type="enterprise", legal_rep=None,
                            address=None, division_code="500106", industry_code=None, registration_authority=None,
                            established_date=None, status="active", registered_capital=None, former_names=())


@pytest.fixture
def seeded(rt):
    rng = random.Random(3)
    codes = [uscc.random_uscc(rng, "500106") for _ in NAMES]
    with rt.db.begin() as s:
        upsert_enterprises(s, [record(c, n) for c, n in zip(codes, NAMES, strict=True)], Actor.system(), rt.clock.now(),
                           "test")
    return dict(zip(NAMES, codes, strict=True))


def names_for(rt, q: str, **filters) -> list[str]:
    with rt.db.read() as s:
        return [e.name for e in queries.enterprises(s, queries.EnterpriseFilter(q=q, **filters), limit=50).rows]


def expected(q: str) -> list[str]:
    from zhiliang.registry.names import normalize

    key = normalize(q)
    return [n for n in NAMES if key in normalize(n)]


@pytest.mark.parametrize("q", ["食品", "恒达", "恒达食品", "坪坝区恒", "有限公司", "品有", "食为天", "长安汽车",
                               "ABC", "abc科技", "ＡＢＣ", "科技重庆", "小吃", "不存在的"])
def test_substring_search_matches_a_plain_scan(rt, seeded, q):
    assert names_for(rt, q) == expected(q)


def test_one_character_asks_for_more(rt, seeded):
    with rt.db.read() as s:
        page = queries.enterprises(s, queries.EnterpriseFilter(q="食"))
    assert page.rows == [] and page.notes


@pytest.mark.parametrize("spelling", ["{c}", "{c_lower}", " {c_spaced} ", "{c_fullwidth}", "{c_dashed}"])
def test_uscc_search_normalises(rt, seeded, spelling):
    code = seeded["渝中区鑫源食品加工厂"]
    q = spelling.format(c=code, c_lower=code.lower(), c_spaced=" ".join(code[i:i + 4] for i in range(0, 18, 4)),
                        c_fullwidth="".join(chr(ord(ch) + 0xFEE0) for ch in code), c_dashed=code[:8] + "-" + code[8:])
    assert names_for(rt, q) == ["渝中区鑫源食品加工厂"]


def test_uscc_search_maps_o_and_i(rt, seeded):
    code = next(c for c in seeded.values() if "0" in c or "1" in c)
    typo = code.replace("0", "O").replace("1", "I")
    assert names_for(rt, typo) == [n for n, c in seeded.items() if c == code]


@pytest.mark.parametrize("q,name", [("hdsp", "沙坪坝区恒达食品有限公司"), ("cqca", "重庆长安汽车配件有限公司"),
                                    ("ZJXCD", "北碚区张记小吃店")])
def test_pinyin_initials(rt, seeded, q, name):
    assert name in names_for(rt, q)


def test_filters_combine_with_search(rt, seeded):
    assert names_for(rt, "食品", status="cancelled") == []
    assert names_for(rt, "食品", division="500000") == expected("食品")


def test_keyset_pages_cover_every_match_once(rt, seeded):
    seen, after = [], None
    with rt.db.read() as s:
        while True:
            page = queries.enterprises(s, queries.EnterpriseFilter(q="区"  "恒"), after, limit=1)
            seen += [e.name for e in page.rows]
            if page.next_after is None:
                break
            after = page.next_after
    assert seen == expected("区恒")


def test_renamed_enterprise_is_found_by_new_name_and_keeps_former(rt, seeded):
    code = seeded["巴南区金诚建材经营部"]
    with rt.db.begin() as s:
        upsert_enterprises(s, [record(code, "巴南区金诚新材料有限公司")], Actor.system(), rt.clock.now(), "test")
    assert names_for(rt, "新材料") == ["巴南区金诚新材料有限公司"]
    assert names_for(rt, "建材经营") == []
    with rt.db.read() as s:
        eid = queries.enterprises(s, queries.EnterpriseFilter(q=code)).rows[0].id
        assert queries.former_names(s, eid) == ["巴南区金诚建材经营部"]


def test_random_substrings_agree_with_a_scan_including_filters_and_counts(rt):
    """Over a few hundred demo names: every page, count and filter agrees with a plain Python scan."""
    from datetime import date

    from zhiliang.demo.generate import enterprises as generate
    from zhiliang.registry.names import normalize

    records = list(generate(5, 600, date(2025, 1, 1)))
    with rt.db.begin() as s:
        upsert_enterprises(s, records, Actor.system(), rt.clock.now(), "test")
    rng = random.Random(8)
    for _ in range(40):
        name = rng.choice(records).name
        length = rng.choice((2, 3, 4, 5))
        start = rng.randrange(0, max(1, len(name) - length))
        q = name[start:start + length]
        status = rng.choice(("", "active", "revoked"))
        want = [r.name for r in records if normalize(q) in normalize(r.name) and (not status or r.status == status)]
        with rt.db.read() as s:
            page = queries.enterprises(s, queries.EnterpriseFilter(q=q, status=status), limit=7)
            got, after = [e.name for e in page.rows], page.next_after
            while after:
                more = queries.enterprises(s, queries.EnterpriseFilter(q=q, status=status), after, limit=7)
                got += [e.name for e in more.rows]
                after = more.next_after
        assert got == want, q
        assert page.count == min(len(want), queries.COUNT_CAP)


def test_initials_and_name_streams_merge_without_gaps(rt):
    """An ASCII query matches names and initials; paging through both streams in small pages loses nothing."""
    rng = random.Random(21)
    names = [f"沙坪坝区恒达食品{i}厂" if i % 2 else f"HD{i}科技有限公司" for i in range(60)]
    with rt.db.begin() as s:
        upsert_enterprises(s, [record(uscc.random_uscc(rng, "500106"), n) for n in names], Actor.system(),
                           rt.clock.now(), "test")
    seen, after = [], None
    with rt.db.read() as s:
        while True:
            page = queries.enterprises(s, queries.EnterpriseFilter(q="hd"), after, limit=4)
            seen += [e.name for e in page.rows]
            after = page.next_after
            if after is None:
                break
        assert queries.enterprises(s, queries.EnterpriseFilter(q="hd")).count == 60
    assert seen == names


def test_rebuilt_index_answers_like_the_incremental_one(rt, seeded):
    from zhiliang.registry import search

    before = {q: names_for(rt, q) for q in ("食品", "恒达食品", "hdsp", "长安汽车")}
    with rt.db.begin() as s:
        assert search.rebuild(s.connection()) == len(NAMES)
    assert {q: names_for(rt, q) for q in before} == before


def test_all_trigrams_present_but_apart_is_not_a_match(rt):
    """'恒达食堂达食品厂' holds both trigrams of 恒达食品 (恒达食, 达食品), just not next to each other."""
    rng = random.Random(4)
    with rt.db.begin() as s:
        upsert_enterprises(s, [record(uscc.random_uscc(rng, "500106"), n) for n in ("恒达食堂达食品厂", "恒达食品厂")],
                           Actor.system(), rt.clock.now(), "test")
    assert names_for(rt, "恒达食品") == ["恒达食品厂"]
    assert names_for(rt, "达食品厂") == ["恒达食堂达食品厂", "恒达食品厂"]

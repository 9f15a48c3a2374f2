"""The demo city: what ``zhiliang demo`` builds, that it is deterministic and idempotent, and the CSV generator."""

from __future__ import annotations

import random
import re
from datetime import date

import pytest
from sqlalchemy import func, select

from zhiliang import demo
from zhiliang.demo import generate, trades
from zhiliang.demo.draw import CodeMaker, id_check_digit
from zhiliang.kernel.audit import AuditEntry
from zhiliang.kernel.auth import ROLES, Actor, User, verify_password
from zhiliang.kernel.events import Event
from zhiliang.registry import importing, queries, refdata, uscc
from zhiliang.registry.models import CertificationBody, Enterprise, Laboratory, Person, Product

SEED, SCALE = 11, 0.02
UNTIL = date(2026, 1, 31)
MODELS = (Enterprise, CertificationBody, Laboratory, Person, Product, User, Event)


def count(rt, model, *where) -> int:
    with rt.db.read() as s:
        return s.scalar(select(func.count()).select_from(model).where(*where))


def counts(rt) -> dict[str, int]:
    return {m.__name__: count(rt, m) for m in MODELS}


@pytest.fixture
def city(rt):
    lines: list[str] = []
    logins = demo.build(rt, seed=SEED, scale=SCALE, echo=lines.append)
    return rt, logins, lines


def test_enterprises_are_valid_named_and_spread_over_districts(city):
    rt, _, lines = city
    with rt.db.read() as s:
        rows = s.scalars(select(Enterprise)).all()
    expected = generate.Counts.for_scale(SCALE).enterprises
    assert len(rows) == expected == 400
    assert len({r.division_code for r in rows}) >= 10
    assert all(r.division_code.startswith("50") for r in rows)
    assert all(uscc.check(r.uscc).valid for r in rows)
    pilots = {i for i in range(expected) if generate.is_pilot(i)}
    warned = [r for r in rows if r.uscc_warning]
    assert len(warned) == len(pilots) >= 1
    assert all(r.uscc_warning == "uscc.org_code_check" and not uscc.check(r.uscc).org_code_ok for r in warned)
    assert all(uscc.check(r.uscc).org_code_ok for r in rows if not r.uscc_warning)
    assert len({r.name for r in rows}) == len(rows)
    assert all(r.name.startswith(refdata.division(r.division_code).name) for r in rows)
    assert not any(re.search(r"\d", r.name) for r in rows)
    assert {r.entity_type for r in rows} >= {"enterprise", "individual"}
    assert all(r.uscc[1] == {"enterprise": "1", "individual": "2", "cooperative": "3"}[r.entity_type] for r in rows)
    assert all(refdata.industry(r.industry_code) is not None for r in rows)
    assert all(r.registration_authority == refdata.division(r.division_code).name + "市场监督管理局" for r in rows)
    assert all(date(1995, 1, 1) <= r.established_date <= UNTIL for r in rows)
    assert sum(r.status == "active" for r in rows) > 0.75 * len(rows)
    assert {"revoked", "cancelled"} & {r.status for r in rows}
    food = [r for r in rows if r.industry_code[:2] in ("13", "14", "15", "52", "62")]
    assert food and all(r.licences and r.licences[0].split(":")[0] in ("food_production", "food_business")
                        for r in food)  # food trades hold their licence, so licence-filtered plans find them
    assert any("重点监管" in r.tags for r in rows)
    assert "400 enterprises" in lines[-1]


def test_cbs_labs_people_and_products(city):
    rt, _, _ = city
    with rt.db.read() as s:
        cbs = s.scalars(select(CertificationBody)).all()
        labs = s.scalars(select(Laboratory)).all()
        people = s.scalars(select(Person)).all()
        products = s.execute(select(Product, Enterprise.industry_code).join(Enterprise)).all()
    assert len(cbs) >= 5 and all(re.fullmatch(r"CNCA-R-\d{4}-\d{3}", c.cnca_number) for c in cbs)
    assert all(c.approved_types and set(c.approved_types) <= set(generate.words.CB_TYPES) for c in cbs)
    assert len(labs) >= 5 and all(re.fullmatch(r"20\d{10}", lab.cma_number) and lab.scope for lab in labs)
    inspectors = [p for p in people if p.kind == "inspector"]
    assert len(inspectors) >= 5
    assert all(re.fullmatch(r"50\d{6}", p.enforcement_cert_no) for p in inspectors)
    assert all(p.department in generate.words.DEPARTMENTS and p.skills for p in inspectors)
    assert all(p.jurisdiction == "500000" or refdata.division(p.jurisdiction) for p in inspectors)
    assert sum(p.kind == "expert" for p in people) >= 5
    auditors = [p for p in people if p.kind == "auditor"]
    assert len(auditors) >= 5 and all(p.cb_id in {c.id for c in cbs} for p in auditors)
    assert all(re.fullmatch(r"1[3-9]\d{9}", p.phone) for p in people)
    assert all(p.id_number[17] == id_check_digit(p.id_number[:17]) for p in people)
    assert len({p.id_number for p in people}) == len(people)
    assert products and all(13 <= int(code[:2]) <= 43 for _, code in products)


def test_every_role_has_a_login_that_authenticates(city):
    rt, logins, _ = city
    assert {role for role, _, _ in logins} == set(ROLES)
    with rt.db.read() as s:
        users = {u.username: u for u in s.scalars(select(User))}
        for role, username, password in logins:
            user = users[username]
            assert user.role == role and len(password) >= 8
            assert verify_password(user, password)
        assert not verify_password(users["demo-admin"], "demo-admin-2025")
        bound = users["demo-enterprise"]
        enterprise = queries.enterprise(s, bound.tenant_id)
        assert enterprise.division_code == "500106" and enterprise.status == "active"
        assert queries.products_of(s, enterprise.id)
        assert s.get(CertificationBody, users["demo-cb"].tenant_id) is not None
        assert s.get(Laboratory, users["demo-lab"].tenant_id) is not None
    regulators = {(users[n].jurisdiction, users[n].department) for _, n, _ in logins if users[n].role == "regulator"}
    assert regulators == {("500000", "质量监督科"), ("500106", "质量监督科")}


def test_building_twice_changes_nothing(city):
    rt, logins, _ = city
    before, audits = counts(rt), count(rt, AuditEntry)
    lines: list[str] = []
    assert demo.build(rt, seed=SEED, scale=SCALE, echo=lines.append) == logins
    assert counts(rt) == before
    assert count(rt, AuditEntry) == audits
    assert "(0 rows added in this run)" in lines[-1]


def test_generation_is_deterministic_and_depends_on_the_seed():
    def world(seed: int) -> tuple:
        records = list(generate.enterprises(seed, 300, UNTIL))
        cbs = generate.cbs(seed, 8)
        return (records, cbs, generate.labs(seed, 8), generate.people(seed, 9, 4, 4, cbs),
                [generate.products(seed, r) for r in records])

    assert world(5) == world(5)
    other = world(6)
    assert all(a != b for a, b in zip(world(5), other, strict=True))


def test_pilot_codes_fail_only_the_embedded_check():
    records = [r for r in generate.enterprises(1, 2000, UNTIL) if r.uscc_warning]
    assert len(records) == 4
    for r in records:
        result = uscc.check(r.uscc)
        assert result.valid and not result.org_code_ok
        assert [w.code for w in result.warnings] == ["uscc.org_code_check"]


def test_fast_codes_equal_the_reference_construction():
    maker = CodeMaker(random.Random(3))
    for i in range(3000):
        entity_type, division = [("1", "500106"), ("2", "110108"), ("3", "500157")][i % 3]
        assert maker.code(i, entity_type, division) == uscc.make("9", entity_type, division, maker.body(i))
    assert len({maker.body(i) for i in range(3000)}) == 3000


def test_trade_words_match_their_industry_codes():
    expected = {"食品": "14", "服装": "18", "机械": "34", "电子": "39", "软件": "65", "科技": "65", "餐饮": "62",
                "建材": "30", "医药": "27", "印务": "23", "物流": ("58", "59")}
    by_word = {t.word: t for t in trades.COMPANY_TRADES}
    for word, divisions in expected.items():
        assert all(code[:2] in divisions for code in by_word[word].codes), word
    for trade in trades.COMPANY_TRADES + trades.SHOP_TRADES + trades.COOP_TRADES:
        assert all(len(code) == 4 and refdata.industry(code) is not None for code in trade.codes), trade.word
        if trade.forms == "make":
            assert all(13 <= int(code[:2]) <= 43 for code in trade.codes), trade.word


def test_counts_scale():
    assert generate.Counts.for_scale(1.0) == generate.Counts(20_000, 30, 50, 500, 50, 60)
    small = generate.Counts.for_scale(SCALE)
    assert small.enterprises == 400 and min(small.cbs, small.labs, small.inspectors, small.experts, small.auditors) >= 5
    with pytest.raises(ValueError):
        generate.Counts.for_scale(0)


@pytest.mark.parametrize("encoding", ["utf-8", "gbk"])
def test_generated_csv_imports_without_rejections(rt, tmp_path, encoding):
    path = tmp_path / "enterprises.csv"
    stats = generate.write_enterprise_csv(path, 300, seed=3, encoding=encoding)
    assert (stats.rows, stats.bad, stats.pilot) == (300, 0, 1)
    generate.write_enterprise_csv(tmp_path / "again.csv", 300, 3, encoding)
    assert path.read_bytes() == (tmp_path / "again.csv").read_bytes()
    outcome = importing.import_enterprises(rt, path, Actor.system())
    assert (outcome.created, outcome.rejected, outcome.warnings) == (300, 0, 1)


def test_generated_csv_with_bad_rows_is_rejected_row_by_row(rt, tmp_path):
    path = tmp_path / "bad.csv"
    stats = generate.write_enterprise_csv(path, 300, seed=4, bad_every=7)
    assert stats.bad == 300 // 7
    outcome = importing.import_enterprises(rt, path, Actor.system())
    assert (outcome.created, outcome.rejected) == (300 - stats.bad, stats.bad)
    with rt.db.read() as s:
        errors = queries.import_errors(s, outcome.job_id)
    rejected_rows = {e.row for e in errors if e.severity == "error"}
    assert len(rejected_rows) == stats.bad
    assert {e.code for e in errors if e.severity == "error"} == {
        "uscc.check_digit", "name.missing", "date.range", "status.unknown"}

"""The inspection pool's filters (SPEC inspections; issue 5 point 2): division, industry, entity type, status,
licence held and tags — checked when the plan is made, stored in their canonical form, and applied by the draw."""

from __future__ import annotations

import random
from datetime import date

import pytest
from sqlalchemy import select

from zhiliang.inspections import service
from zhiliang.inspections.models import InspectionTarget
from zhiliang.kernel.auth import Actor
from zhiliang.kernel.errors import DomainError
from zhiliang.ledger import note
from zhiliang.ledger import service as ledger
from zhiliang.registry import directory, uscc
from zhiliang.registry.domain import EnterpriseRecord
from zhiliang.registry.models import Enterprise
from zhiliang.registry.service import upsert_enterprises

ORIGIN = "t.example/log"
REG = Actor(11, "regulator", "reg-a", None, "500106", "市场监管局")


def record(rng, i, **kw):
    base = dict(uscc=uscc.random_uscc(rng, "500106"), uscc_warning=None, name=f"沙坪坝区第{i}商行",
                entity_type="enterprise", legal_rep=None, address=None, division_code="500106",
                industry_code="1391" if i % 2 else "5211", registration_authority=None, established_date=None,
                status="revoked" if i % 7 == 0 else "active", registered_capital=None, former_names=())
    return EnterpriseRecord(**{**base, **kw})


@pytest.fixture
def item(rt):
    rng = random.Random(3)
    records = []
    for i in range(40):
        licences = ("food_production:SC10650010600001",) if i % 3 == 0 else ()
        tags = tuple(sorted({"重点监管"} | ({"学校食堂"} if i % 4 == 0 else set()))) if i % 2 == 0 else ()
        records.append(record(rng, i, licences=licences, tags=tags))
    with rt.db.begin() as s:
        upsert_enterprises(s, records, Actor.system(), rt.clock.now(), "test")
        made = service.create_item(s, REG, rt.clock.now(), code="SPB-02", name="食品生产检查", legal_basis="食品安全法",
                                   department="市场监管局", method="现场检查", entity_types=["enterprise"],
                                   skills=["食品"])
        for k in range(6):
            directory.register_person(s, Actor.system(), rt.clock.now(), kind="inspector", name=f"检查员{k}",
                                      enforcement_cert_no=f"50010601{k:04d}", department="市场监管局",
                                      jurisdiction="500106", skills=["食品"])
        return made.id


def plan(rt, item_id, filters, code="2026-SPB-F"):
    with rt.db.begin() as s:
        return service.create_plan(s, REG, rt.clock.now(), code=code, title="食品生产专项抽查", kind="ad_hoc",
                                   jurisdiction="500106", departments=["市场监管局"], item_ids=[item_id],
                                   filters=filters, ratios={c: "1" for c in "ABCD"}, origin=ORIGIN)


def expected(rt, keep) -> set[int]:
    with rt.db.read() as s:
        return {e.id for e in s.scalars(select(Enterprise)) if keep(e)}


def test_filters_are_stored_in_canonical_form(rt, item):
    made = plan(rt, item, {"licence": "食品生产许可证", "tags": "重点监管、学校食堂", "status": "active",
                           "industry": "c13", "division": "", "entity_type": "enterprise"})
    assert made.filters == {"licence": "food_production", "tags": ["学校食堂", "重点监管"], "status": "active",
                            "industry": "13", "entity_type": "enterprise"}  # empty filters dropped


@pytest.mark.parametrize("filters, field", [
    ({"colour": "red"}, "filters.colour"), ({"licence": "钓鱼许可证"}, "filters.licence"),
    ({"division": "999999"}, "filters.division"), ({"status": "sleeping"}, "filters.status"),
    ({"entity_type": "robot"}, "filters.entity_type"), ({"industry": "ZZ"}, "filters.industry"),
])
def test_a_bad_filter_is_refused_naming_it(rt, item, filters, field):
    with pytest.raises(DomainError) as refused:
        plan(rt, item, filters)
    assert refused.value.status == 422 and refused.value.field == field


@pytest.mark.parametrize("filters, keep", [
    ({"licence": "food_production"}, lambda e: e.status == "active" and e.licences),
    ({"tags": ["重点监管", "学校食堂"]}, lambda e: e.status == "active" and {"重点监管", "学校食堂"} <= set(e.tags)),
    ({"licence": "food_production", "tags": "重点监管", "industry": "F52", "status": "any"},
     lambda e: e.licences and "重点监管" in e.tags and e.industry_code.startswith("52")),
    ({"industry": "C", "entity_type": "enterprise"}, lambda e: e.status == "active" and e.industry_code == "1391"),
])
def test_the_pool_and_the_draw_hold_exactly_the_matching_entities(rt, item, filters, keep):
    code = plan(rt, item, filters).code
    wanted = expected(rt, keep)
    with rt.db.read() as s:
        assert service.preview(s, code)["pool"] == len(wanted) > 0
    with rt.db.begin() as s:
        service.commit(s, REG, code, rt.clock.now())
    ledger.catch_up(rt.db, note.Signer.generate(ORIGIN), ORIGIN, rt.clock)
    with rt.db.begin() as s:
        service.fix_seed(s, REG, code, rt.clock.now())
        service.run_draw(s, REG, code, rt.clock.now(), date(2026, 12, 21))
    with rt.db.read() as s:
        drawn = set(s.scalars(select(InspectionTarget.entity_id)))
    assert drawn == wanted  # ratio 1 in every class: the whole filtered pool, nothing else

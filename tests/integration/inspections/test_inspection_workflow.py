"""A random-inspection plan through its three published steps on a real database, then findings, approval and
publication; the public record re-runs to the same draw, and a tampered record does not."""

from __future__ import annotations

import copy
import random
from datetime import date

import pytest
from sqlalchemy import select, text

from zhiliang.inspections import domain, results, service
from zhiliang.inspections.models import InspectionTarget
from zhiliang.kernel.auth import Actor
from zhiliang.kernel.errors import DomainError
from zhiliang.kernel.events import Event
from zhiliang.ledger import note
from zhiliang.ledger import service as ledger
from zhiliang.registry import directory, uscc
from zhiliang.registry.domain import EnterpriseRecord
from zhiliang.registry.service import upsert_enterprises

ORIGIN = "t.example/log"
REG = Actor(11, "regulator", "reg-a", None, "500106", "市场监管局")
REG_B = Actor(12, "regulator", "reg-b", None, "500106", "市场监管局")


@pytest.fixture
def city(rt):
    rng = random.Random(5)
    records = [EnterpriseRecord(uscc=uscc.random_uscc(rng, "500106"), uscc_warning=None, name=f"沙坪坝区第{i}商行",
                                entity_type="enterprise", legal_rep=None, address=None, division_code="500106",
                                industry_code=None, registration_authority=None, established_date=None,
                                status="active", registered_capital=None, former_names=()) for i in range(60)]
    with rt.db.begin() as s:
        upsert_enterprises(s, records, Actor.system(), rt.clock.now(), "test")
        s.execute(text("UPDATE enterprise SET risk_class = 'C' WHERE id % 5 = 0"))
        item = service.create_item(s, REG, rt.clock.now(), code="SPB-01", name="营业执照公示检查",
                                   legal_basis="《企业信息公示暂行条例》第十四条", department="市场监管局",
                                   method="书面检查", entity_types=["enterprise"], skills=["登记"])
        for k in range(8):
            directory.register_person(s, Actor.system(), rt.clock.now(), kind="inspector", name=f"检查员{k}",
                                      enforcement_cert_no=f"50010600{k:04d}", department="市场监管局",
                                      jurisdiction="500106", skills=["登记"])
        s.flush()
        return item.id


def make_plan(rt, item_id, code="2026-SPB-01", **kw):
    with rt.db.begin() as s:
        return service.create_plan(s, REG, rt.clock.now(), code=code, title="2026年度营业执照公示抽查",
                                   kind="annual", jurisdiction="500106", departments=["市场监管局"],
                                   item_ids=[item_id], filters={}, ratios={"A": "0.05", "B": "0.1", "C": "0.5",
                                                                           "D": "1"},
                                   workload_cap=5, origin=ORIGIN, **kw).code


def drawn(rt, code):
    signer = note.Signer.generate(ORIGIN)
    with rt.db.begin() as s:
        service.commit(s, REG, code, rt.clock.now())
    with rt.db.begin() as s, pytest.raises(DomainError) as pending:
        service.fix_seed(s, REG, code, rt.clock.now())
    assert pending.value.status == 409  # the seed does not exist until a checkpoint covers the commitment
    ledger.catch_up(rt.db, signer, ORIGIN, rt.clock)
    with rt.db.begin() as s:
        service.fix_seed(s, REG, code, rt.clock.now())
        service.run_draw(s, REG, code, rt.clock.now(), date(2026, 12, 21))
    with rt.db.read() as s:
        return service.public_record(s, code)


def test_three_steps_and_the_public_record_verifies(rt, city):
    code = make_plan(rt, city)
    record = drawn(rt, code)
    assert record["result"]["sizes"] == {"A": 0, "B": 48, "C": 12, "D": 0}
    assert record["result"]["quotas"] == {"A": 0, "B": 5, "C": 6, "D": 0}
    match, checks = domain.verify_draw(record)
    assert match and checks["assignment"] is True, checks
    assert record["seed"] == bytes.fromhex(record["seed"]).hex()
    assert note.Checkpoint.parse(record["seed_source"]["checkpoint"].split("\n\n")[0] + "\n").root_hash.hex() \
        == record["seed"]
    with rt.db.read() as s:
        teams = s.execute(select(InspectionTarget.inspectors)).scalars().all()
    assert len(teams) == 11 and all(len(t) == 2 for t in teams)


@pytest.mark.parametrize("tamper", ["pool", "seed", "ratio", "assignment"])
def test_a_changed_record_does_not_verify(rt, city, tamper):
    record = copy.deepcopy(drawn(rt, make_plan(rt, city)))
    if tamper == "pool":
        record["pool"][0][1] = "A" if record["pool"][0][1] != "A" else "B"
    elif tamper == "seed":
        record["seed"] = "00" * 32
    elif tamper == "ratio":
        record["plan_params"]["ratios"]["B"] = "0.2"
    else:
        first = next(iter(record["assignment"]["by_target"]))
        record["assignment"]["by_target"][first] = list(reversed(record["assignment"]["by_target"][first]))
    assert domain.verify_draw(record)[0] is False


def test_steps_in_order_only(rt, city):
    code = make_plan(rt, city)
    with rt.db.begin() as s, pytest.raises(DomainError) as early:
        service.run_draw(s, REG, code, rt.clock.now(), date(2026, 12, 21))
    assert early.value.status == 409
    outsider = Actor(13, "regulator", "reg-x", None, "500103", "市场监管局")
    with rt.db.begin() as s, pytest.raises(DomainError) as elsewhere:
        service.commit(s, outsider, code, rt.clock.now())
    assert elsewhere.value.status == 403


def test_findings_approval_by_another_and_publication(rt, city):
    code = make_plan(rt, city)
    drawn(rt, code)
    with rt.db.read() as s:
        target = s.scalars(select(InspectionTarget).where(InspectionTarget.status == "assigned")).first()
    with rt.db.begin() as s:
        results.record_finding(s, REG, target.id, city, "NOT_PUBLICISED", "年报未公示", rt.clock.now())
    with rt.db.begin() as s, pytest.raises(DomainError) as own:
        results.approve(s, REG, target.id, rt.clock.now())
    assert own.value.status == 409  # four eyes
    with rt.db.begin() as s:
        results.approve(s, REG_B, target.id, rt.clock.now())
        assert results.publish(s, REG_B, code, rt.clock.now()) == 1
    with rt.db.read() as s:
        event = s.scalars(select(Event).where(Event.type == "inspections.ResultPublished")).one()
    assert event.entity == f"enterprise:{target.entity_id}" and event.payload["outcome"] == "NOT_PUBLICISED"
    with rt.db.begin() as s, pytest.raises(DomainError) as locked:
        results.record_finding(s, REG, target.id, city, "NO_PROBLEM", None, rt.clock.now())
    assert locked.value.status == 409

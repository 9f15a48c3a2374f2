"""A small town for tests of credit and of what sits below it (inspections, certificates, the ledger audit):
twenty enterprises in 沙坪坝区, a CB, two inspectors, an inspection item, and the steps tests repeat — a penalty,
a reclassification, an inspection that finds one enterprise nonconforming and is published."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import select
from support import district_enterprises

from zhiliang.credit import scoring, service
from zhiliang.inspections import results
from zhiliang.inspections import service as inspections
from zhiliang.inspections.models import InspectionTarget
from zhiliang.kernel.auth import Actor
from zhiliang.ledger import note
from zhiliang.ledger import service as ledger
from zhiliang.registry import directory
from zhiliang.registry.models import Enterprise
from zhiliang.registry.service import upsert_enterprises

REG = Actor(21, "regulator", "reg-credit-a", None, "500106", "市场监管局")
REG_B = Actor(22, "regulator", "reg-credit-b", None, "500106", "市场监管局")
OUTSIDER = Actor(23, "regulator", "reg-elsewhere", None, "500103", "市场监管局")
ORIGIN = "t.example/log"


def build_town(rt):
    """Twenty enterprises in 沙坪坝区 (class B), a CB, two inspectors and one inspection item."""
    records = district_enterprises(8, 20)
    with rt.db.begin() as s:
        upsert_enterprises(s, records, Actor.system(), rt.clock.now(), "test")
        cb = directory.register_cb(s, Actor.system(), rt.clock.now(), cnca_number="CNCA-R-2002-001",
                                   name="中国质量认证中心", approved_types=["CCC"])
        item = inspections.create_item(s, REG, rt.clock.now(), code="SPB-Q", name="产品质量检查", legal_basis="产品质量法",
                                       department="市场监管局", method="现场检查", entity_types=["enterprise"],
                                       skills=["质量"])
        for k in range(2):
            directory.register_person(s, Actor.system(), rt.clock.now(), kind="inspector", name=f"检查员{k}",
                                      enforcement_cert_no=f"50010699{k:04d}", department="市场监管局",
                                      jurisdiction="500106", skills=["质量"])
        s.flush()
        ids = {e.uscc: e.id for e in s.scalars(select(Enterprise))}
        return {"ids": [ids[r.uscc] for r in records], "usccs": [r.uscc for r in records], "cb": cb.id,
                "item": item.id}


def model(rt):
    return service.model(rt.settings)


def penalty(**kw):
    fields = {"indicator": "admin_penalty", "occurred_on": date(2026, 2, 1), "decision_no": "沙市监罚〔2026〕7号",
              "legal_basis": "《产品质量法》第四十九条", "amount": Decimal("50000.00")}
    return service.RecordIn(**{**fields, **kw})


def add(rt, enterprise_id, item, actor=REG):
    with rt.db.begin() as s:
        return service.add_record(s, actor, rt.clock.now(), rt.today(), model(rt), enterprise_id, item).id


def reclassify(rt):
    with rt.db.begin() as s:
        while service.ingest(s, rt.clock.now()):
            pass
        return scoring.reclassify(s, model(rt), rt.today(), rt.clock.now())


def inspection_fails(rt, town, enterprise_id):
    """A plan drawing every enterprise; the target ``enterprise_id`` is found nonconforming and published."""
    with rt.db.begin() as s:
        code = inspections.create_plan(s, REG, rt.clock.now(), code="2026-Q-1", title="质量抽查", kind="ad_hoc",
                                       jurisdiction="500106", departments=["市场监管局"], item_ids=[town["item"]],
                                       filters={}, ratios={c: "1" for c in "ABCD"}, workload_cap=100,
                                       origin=ORIGIN).code
        inspections.commit(s, REG, code, rt.clock.now())
    ledger.catch_up(rt.db, note.Signer.generate(ORIGIN), ORIGIN, rt.clock)
    with rt.db.begin() as s:
        inspections.fix_seed(s, REG, code, rt.clock.now())
        inspections.run_draw(s, REG, code, rt.clock.now(), rt.today() + timedelta(days=30))
        target = s.scalars(select(InspectionTarget).where(InspectionTarget.entity_id == enterprise_id)).one()
        results.record_finding(s, REG, target.id, town["item"], "NONCONFORMING", "产品标识不符合要求", rt.clock.now())
        results.approve(s, REG_B, target.id, rt.clock.now())
        results.publish(s, REG, code, rt.clock.now())

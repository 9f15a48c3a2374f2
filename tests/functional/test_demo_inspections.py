"""The demo city's random inspections: an item list with legal bases, a year of plans in every stage, published
results visible over HTTP, draws that verify from their public record, an idempotent rebuild, a clean ledger audit."""

from __future__ import annotations

from collections import Counter

import pytest
from sqlalchemy import func, select

from zhiliang import demo
from zhiliang.app import audited_tables
from zhiliang.demo import inspections
from zhiliang.inspections import domain, results, service
from zhiliang.inspections.models import InspectionFinding, InspectionItem, InspectionPlan, InspectionTarget
from zhiliang.kernel.audit import AuditEntry
from zhiliang.kernel.events import Event
from zhiliang.ledger import audit
from zhiliang.ledger import service as ledger
from zhiliang.registry.models import Enterprise, Person

SEED, SCALE = 11, 0.02


@pytest.fixture
def city(rt):
    lines: list[str] = []
    demo.build(rt, seed=SEED, scale=SCALE, echo=lines.append)
    with rt.db.read() as s:
        plans = {p.code: p for p in s.scalars(select(InspectionPlan))}
    return rt, plans, lines


def test_items_have_legal_bases_plans_are_in_every_stage_and_draws_verify(city):
    rt, plans, lines = city
    with rt.db.read() as s:
        items = s.scalars(select(InspectionItem)).all()
        departments = set(s.scalars(select(Person.department).where(Person.kind == "inspector")))
        classes = Counter(s.scalars(select(Enterprise.risk_class)))
    assert len(items) == len(inspections.ITEMS) >= 12
    assert all(i.legal_basis.startswith("《") and i.department and i.method and i.entity_types for i in items)
    assert any("企业信息公示暂行条例》第十四条" in i.legal_basis for i in items)
    specs = inspections.plans(rt.today().year)
    assert set(plans) == {s.code for s in specs}
    stages = Counter(p.status for p in plans.values())
    assert stages["draft"] == 1 and stages["drawn"] == 1 and stages["published"] >= 5
    assert {p.kind for p in plans.values()} == {"annual", "ad_hoc"}
    assert any(len(p.departments) == 2 for p in plans.values())
    assert all(set(p.departments) <= departments for p in plans.values())
    # The draws stratified by the demo's risk mix; the credit step then classed everyone by the default model:
    # certificate holders A, penalised enterprises C or worse, the rest B.
    assert classes["B"] > 0 and classes["A"] > 0 and classes["C"] + classes["D"] > 0
    assert "inspection plans" in lines[-1] and any(line.startswith("inspections 双随机抽查") for line in lines)
    drawn = [c for c, p in plans.items() if p.status in ("drawn", "published")]
    assert len(drawn) == len(plans) - 1
    with rt.db.read() as s:
        for code in drawn:  # every drawn plan re-runs to a match from its public record alone
            ok, checks = domain.verify_draw(service.public_record(s, code))
            assert ok and checks["assignment"] is True, (code, checks)


def test_results_are_published_with_a_realistic_spread_and_visible_over_http(city, client):
    rt, plans, _ = city
    with rt.db.read() as s:
        targets = s.execute(select(InspectionPlan.code, InspectionPlan.status, InspectionTarget.status,
                                   InspectionTarget.outcome).join(InspectionPlan)).all()
        recorders = s.execute(select(InspectionFinding.recorded_by, InspectionTarget.approved_by)
                              .join(InspectionTarget)).all()
    published = [t for t in targets if t[2] == "published"]
    assert len(published) >= 10
    outcomes = Counter(t[3] for t in published)
    assert outcomes.most_common(1)[0][0] == "NO_PROBLEM" and set(outcomes) <= set(results.FINDINGS)
    assert all(t[2] in ("published", "unmet") for t in targets if t[1] == "published")
    in_progress = Counter(t[2] for t in targets if t[1] == "drawn")
    assert in_progress["assigned"] > 0 and not in_progress["published"]
    assert all(recorded != approved for recorded, approved in recorders if approved)

    code = next(c for c, p in plans.items() if p.status == "published" and any(
        t[0] == c and t[2] == "published" for t in targets))
    body = client.get(f"/api/v1/inspections/plans/{code}").json()
    assert body["status"] == "published" and body["targets"]
    assert {t["outcome_zh"] for t in body["targets"]} <= {zh for zh, _ in results.FINDINGS.values()}
    listed = {p["code"] for p in client.get("/api/v1/inspections/plans").json()["items"]}
    assert listed == {c for c, p in plans.items() if p.status != "draft"}


def test_rebuilding_adds_nothing_and_the_ledger_audit_is_clean(city):
    rt, plans, _ = city

    def state() -> tuple:
        with rt.db.read() as s:
            return tuple(s.scalar(select(func.count()).select_from(m)) for m in
                         (InspectionItem, InspectionPlan, InspectionTarget, InspectionFinding, Person, Event,
                          AuditEntry)) + tuple(s.execute(select(InspectionTarget.status, func.count())
                                                         .group_by(InspectionTarget.status).order_by(InspectionTarget.status)).all())

    before = state()
    lines: list[str] = []
    demo.build(rt, seed=SEED, scale=SCALE, echo=lines.append)
    assert state() == before
    assert "(0 rows added in this run)" in lines[-1]
    signer = ledger.load_signer(rt.settings)
    ledger.catch_up(rt.db, signer, rt.settings.ledger_origin, rt.clock)
    with rt.db.read() as s:
        report = audit.run(s, signer.verifier(), audited_tables())
    assert report.ok, report.findings[:5]
    assert report.events_pending == 0


def test_items_plans_risk_classes_and_findings_are_deterministic():
    assert inspections.plans(2026) == inspections.plans(2026)
    codes = [inspections.risk_class(SEED, f"91500106MA{i:08d}") for i in range(4000)]
    shares = Counter(codes)
    assert 0.05 < shares["A"] / 4000 < 0.11 and 0.04 < shares["C"] / 4000 < 0.08 and shares["D"] > 0
    assert codes == [inspections.risk_class(SEED, f"91500106MA{i:08d}") for i in range(4000)]
    items = ("SX-SPB-03", "SX-SPB-04")
    spread = Counter(code for i in range(2000) for _, code in
                     inspections.findings(SEED, "P", f"U{i}", "B", items))
    assert spread["NO_PROBLEM"] > 0.7 * 4000 and spread["NONCONFORMING"] > 0 and spread["UNREACHABLE"] > 0
    worse = Counter(code for i in range(2000) for _, code in inspections.findings(SEED, "P", f"U{i}", "D", items))
    assert worse["NO_PROBLEM"] < spread["NO_PROBLEM"]
    assert inspections.findings(SEED, "P", "U1", "C", items) == inspections.findings(SEED, "P", "U1", "C", items)

"""The demo city's certificates: spread over types and CBs, every status with its history, numbers in their
formats, forged numbers that public verification exposes, an idempotent rebuild and a clean ledger audit."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from zhiliang import demo
from zhiliang.app import audited_tables
from zhiliang.certificates import domain, verification
from zhiliang.certificates.models import Certificate, CertificateStatusChange, CounterfeitSignal
from zhiliang.demo import certs, generate
from zhiliang.kernel.audit import AuditEntry
from zhiliang.kernel.auth import User
from zhiliang.kernel.events import Event
from zhiliang.ledger import audit
from zhiliang.ledger import service as ledger
from zhiliang.registry.models import CertificationBody, Enterprise

SEED, SCALE = 11, 0.02
EXPECTED_KIND = {"CCC": "ccc", "ORGANIC": "organic", "GREEN": "other", "LOWCARBON": "other", "SERVICE": "other"}
REASON_PREFIX = {"suspended": "S", "withdrawn": "W", "cancelled": "C", "expired": "E"}


@pytest.fixture
def city(rt):
    lines: list[str] = []
    demo.build(rt, seed=SEED, scale=SCALE, echo=lines.append)
    with rt.db.read() as s:
        rows = s.scalars(select(Certificate)).all()
    return rt, rows, lines


def test_certificates_spread_over_types_cbs_and_every_status(city):
    rt, rows, lines = city
    assert len(rows) >= 300
    types = Counter(c.type_code for c in rows)
    assert len(types) >= 6 and types.most_common(1)[0][0] == "QMS" and types["CCC"] > 0
    assert len({c.cb_id for c in rows}) >= 4
    assert {c.status for c in rows} == {s.value for s in domain.Status}
    assert sum(c.status == "valid" for c in rows) > len(rows) / 2
    for c in rows:
        if c.status in REASON_PREFIX:
            assert c.status_reason and c.status_reason.startswith(REASON_PREFIX[c.status]), c.number
    with rt.db.read() as s:
        cb_user = s.scalars(select(User).where(User.username == "demo-cb")).one()
        cbs = {cb.id: cb for cb in s.scalars(select(CertificationBody))}
        history = s.execute(select(CertificationBody.id, Enterprise.status).join_from(
            Certificate, Enterprise, Certificate.holder_id == Enterprise.id).join(
            CertificationBody, Certificate.cb_id == CertificationBody.id)).all()
        actions = Counter(s.scalars(select(CertificateStatusChange.action)))
    assert any(c.cb_id == cb_user.tenant_id for c in rows)
    assert all(c.type_code in cbs[c.cb_id].approved_types and cbs[c.cb_id].status == "active" for c in rows)
    assert all(status == "active" for _, status in history)
    assert actions["issue"] == len(rows) and actions["restore"] > 0 and actions["suspend"] > actions["restore"]
    assert "certificates" in lines[-1]


def test_numbers_have_the_format_of_their_type_and_dates_are_plausible(city):
    rt, rows, _ = city
    today = rt.today()
    for c in rows:
        parsed = domain.parse_number(c.number, year_now=today.year)
        assert parsed.ok and parsed.kind == c.number_kind, c.number
        assert parsed.kind == EXPECTED_KIND.get(c.type_code, parsed.kind), (c.type_code, c.number)
        if c.type_code not in EXPECTED_KIND:  # management systems: CNCA's format, or one CB's older own format
            assert parsed.kind in ("cnca_ms", "other"), c.number
        if parsed.kind == "cnca_ms":
            assert parsed.parts["type_code"] == c.type_code
        assert today - timedelta(days=8 * 366) <= c.first_issued_date <= c.issued_date < c.expiry_date
        assert c.issued_date <= today
        assert c.expiry_date < today if c.status == "expired" else c.status_date <= min(c.expiry_date, today)
        if c.status in ("valid", "suspended"):
            assert c.expiry_date >= today
    kinds = Counter(c.number_kind for c in rows)
    assert kinds["cnca_ms"] > kinds["other"] and kinds["ccc"] > 0


def test_forged_numbers_are_exposed_by_verification_and_recorded_as_signals(city):
    rt, _, lines = city
    forgeries = certs.forged(rt, SEED)
    assert Counter(f.verdict for f in forgeries) == {"unknown_number": 3, "holder_mismatch": 2}
    assert all(f.number in "\n".join(lines) for f in forgeries)
    with rt.db.read() as s:
        signals = {(r.kind, r.number_key): r.count for r in s.scalars(select(CounterfeitSignal))}
    assert {(f.verdict, f.number): f.lookups for f in forgeries} == signals
    with rt.db.begin() as s:
        for f in forgeries:
            doc = verification.verify(s, f.number, f.claimed or None, rt.today(), rt.clock.now())
            assert doc["verdict"] == f.verdict, f
            assert domain.parse_number(f.number).kind in ("ccc", "cnca_ms")


def test_rebuilding_adds_nothing_and_the_ledger_audit_is_clean(city):
    rt, rows, _ = city

    def state() -> tuple:
        with rt.db.read() as s:
            return tuple(s.scalar(select(func.count()).select_from(m)) for m in
                         (Certificate, CertificateStatusChange, Event, AuditEntry)) + (
                s.scalar(select(func.sum(CounterfeitSignal.count))),)

    before = state()
    lines: list[str] = []
    demo.build(rt, seed=SEED, scale=SCALE, echo=lines.append)
    assert state() == before
    assert "(0 rows added in this run)" in lines[-1] and f"{len(rows):,} certificates" in lines[-1]
    signer = ledger.load_signer(rt.settings)
    ledger.catch_up(rt.db, signer, rt.settings.ledger_origin, rt.clock)
    with rt.db.read() as s:
        report = audit.run(s, signer.verifier(), audited_tables())
    assert report.ok, report.findings[:5]
    assert report.rows_checked >= len(rows) and report.events_pending == 0


def test_the_plan_is_deterministic_for_a_seed():
    today = date(2026, 3, 2)

    def planned(seed: int) -> list[certs.Planned]:
        counts = generate.Counts.for_scale(SCALE)
        records = generate.enterprises(seed, counts.enterprises, today - timedelta(days=30))
        return certs.plan(seed, records, generate.cbs(seed, counts.cbs), today)

    first = planned(SEED)
    assert first == planned(SEED) != planned(SEED + 1)
    assert len({domain.normalize_number(p.number) for p in first}) == len(first)
    assert all(domain.parse_number(p.number).kind == p.kind for p in first)

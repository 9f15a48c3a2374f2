"""Certificates on a real database: issue, lifecycle, tenant rules, bulk upsert, expiry, verification and signals,
and the ledger audit of the certificate table."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select, text

from zhiliang.app import audited_tables
from zhiliang.certificates import service, verification
from zhiliang.certificates.models import Certificate, CertificateStatusChange, CounterfeitSignal
from zhiliang.kernel.errors import DomainError
from zhiliang.kernel.events import Event
from zhiliang.ledger import audit, note
from zhiliang.ledger import service as ledger

TODAY = date(2026, 11, 22)


def issue(rt, world, actor=None, **kw):
    with rt.db.begin() as s:
        cert = service.issue(s, actor or world.cb, world.cert(**kw), rt.clock.now(), TODAY)
        return cert.id


def fails(rt, status, fn):
    with rt.db.begin() as s, pytest.raises(DomainError) as caught:
        fn(s)
    assert caught.value.status == status, caught.value.en
    return caught.value


def test_issue_writes_row_history_event_and_audit(rt, world):
    cert_id = issue(rt, world)
    with rt.db.read() as s:
        cert = s.get(Certificate, cert_id)
        assert (cert.number_key, cert.number_kind, cert.status, cert.version) == ("2020010703123456", "ccc", "valid", 1)
        assert [h.action for h in s.scalars(select(CertificateStatusChange))] == ["issue"]
        event = s.scalars(select(Event).where(Event.entity == f"certificate:{cert_id}")).one()
        assert event.type == "certs.CertificateIssued" and event.payload["holder_uscc"] == world.holder_uscc


def test_issue_is_refused_for_bad_input_and_for_others(rt, world):
    issue(rt, world)
    assert fails(rt, 409, lambda s: service.issue(s, world.cb, world.cert(cb_ref="A-2"), rt.clock.now(),
                                                  TODAY)).field == "number"
    assert fails(rt, 409, lambda s: service.issue(s, world.cb, world.cert(number="2020010703123457"),
                                                  rt.clock.now(), TODAY)).field == "cb_ref"
    fails(rt, 403, lambda s: service.issue(s, world.other_cb, world.cert(number="2020010703000001", cb_ref="B"),
                                           rt.clock.now(), TODAY))  # not approved for CCC
    fails(rt, 422, lambda s: service.issue(s, world.cb, world.cert(number="202001070312345", cb_ref="C"),
                                           rt.clock.now(), TODAY))  # 15 digits is no CCC number
    fails(rt, 422, lambda s: service.issue(s, world.cb, world.cert(number="2020010703000002", cb_ref="D",
                                                                   holder_uscc=world.closed_uscc), rt.clock.now(),
                                           TODAY))  # holder not active
    fails(rt, 422, lambda s: service.issue(s, world.cb, world.cert(number="2020010703000003", cb_ref="E",
                                                                   expiry_date=date(2023, 1, 1)), rt.clock.now(),
                                           TODAY))
    from zhiliang.kernel.auth import Actor
    fails(rt, 403, lambda s: service.issue(s, Actor.system(), world.cert(number="2020010703000004", cb_ref="F"),
                                           rt.clock.now(), TODAY))  # not even the platform's admin issues


def test_unfamiliar_number_formats_are_accepted_for_other_types(rt, world):
    cert_id = issue(rt, world, number="ＣＱＣ　２４-Ｑ-ABC/77", cb_ref="Q-1", type_code="QMS")
    with rt.db.read() as s:
        cert = s.get(Certificate, cert_id)
    assert cert.number_kind == "other" and cert.number_key == "CQC24-Q-ABC/77"


def test_lifecycle_and_history(rt, world):
    cert_id = issue(rt, world)
    for action, reason, status in (("suspend", "S01", "suspended"), ("restore", "R01", "valid"),
                                   ("suspend", "S03", "suspended"), ("withdraw", "W01", "withdrawn")):
        with rt.db.begin() as s:
            cert = service.change_status(s, world.cb, cert_id, action, reason, TODAY, None, rt.clock.now(), TODAY)
            assert cert.status == status
    with rt.db.read() as s:
        assert [h.to_status for h in s.scalars(select(CertificateStatusChange).order_by(CertificateStatusChange.id))] \
            == ["valid", "suspended", "valid", "suspended", "withdrawn"]
        types = [e.type for e in s.scalars(select(Event).where(Event.entity == f"certificate:{cert_id}")
                                            .order_by(Event.seq))]
    assert types == ["certs.CertificateIssued", "certs.CertificateSuspended", "certs.CertificateRestored",
                     "certs.CertificateSuspended", "certs.CertificateWithdrawn"]
    error = fails(rt, 409, lambda s: service.change_status(s, world.cb, cert_id, "suspend", "S01", TODAY, None,
                                                           rt.clock.now(), TODAY))
    assert "撤销" in error.zh and "withdrawn" in error.en


def test_reason_codes_versions_and_tenants(rt, world):
    cert_id = issue(rt, world)
    fails(rt, 422, lambda s: service.change_status(s, world.cb, cert_id, "suspend", "W01", TODAY, None,
                                                   rt.clock.now(), TODAY))
    fails(rt, 422, lambda s: service.change_status(s, world.cb, cert_id, "explode", None, TODAY, None,
                                                   rt.clock.now(), TODAY))
    fails(rt, 403, lambda s: service.change_status(s, world.other_cb, cert_id, "suspend", "S01", TODAY, None,
                                                   rt.clock.now(), TODAY))
    with rt.db.begin() as s:
        service.change_status(s, world.cb, cert_id, "suspend", "S01", TODAY, None, rt.clock.now(), TODAY, version=1)
    stale = fails(rt, 409, lambda s: service.change_status(s, world.cb, cert_id, "restore", "R01", TODAY, None,
                                                           rt.clock.now(), TODAY, version=1))
    assert stale.field == "version"


def test_suspension_longer_than_allowed_cannot_be_restored(rt, world):
    cert_id = issue(rt, world)
    with rt.db.begin() as s:
        service.change_status(s, world.cb, cert_id, "suspend", "S02", date(2026, 1, 10), None, rt.clock.now(), TODAY)
    fails(rt, 409, lambda s: service.change_status(s, world.cb, cert_id, "restore", "R01", date(2026, 7, 11), None,
                                                   rt.clock.now(), TODAY))
    with rt.db.begin() as s:
        assert service.change_status(s, world.cb, cert_id, "withdraw", "W01", date(2026, 7, 11), None,
                                     rt.clock.now(), TODAY).status == "withdrawn"


def test_past_expiry_is_never_shown_valid_and_the_job_records_it(rt, world):
    cert_id = issue(rt, world, issued_date=date(2020, 1, 1), expiry_date=date(2026, 11, 21))
    with rt.db.begin() as s:
        doc = verification.verify(s, "2020010703123456", None, TODAY, rt.clock.now())
    assert doc["verdict"] == "expired" and doc["certificate"]["recorded_status"] == "valid"
    with rt.db.begin() as s:
        assert service.expire_due(s, TODAY, rt.clock.now()) == 1
        assert service.expire_due(s, TODAY, rt.clock.now()) == 0
        assert s.get(Certificate, cert_id).status == "expired"
    with rt.db.begin() as s:
        doc = verification.verify(s, "2020010703123456", None, TODAY - timedelta(days=2), rt.clock.now())
    assert doc["verdict"] == "expired"


def test_verification_verdicts_and_counterfeit_signals(rt, world):
    issue(rt, world)
    with rt.db.begin() as s:
        ok = verification.verify(s, "２０２０ ０１０７ ０３１２ ３４５６", world.holder_name, TODAY, rt.clock.now())
        assert ok["verdict"] == "valid" and ok["certificate"]["holder_uscc"] == world.holder_uscc
        assert ok["cb"]["last_report_at"] is not None and ok["ledger"]["event_seq"]
        assert verification.verify(s, "2020010703123456", world.holder_uscc, TODAY, rt.clock.now())["verdict"] == "valid"
        misuse = verification.verify(s, "2020010703123456", "渝中区鑫源食品有限公司", TODAY, rt.clock.now())
        assert misuse["verdict"] == "holder_mismatch"
        for _ in range(3):
            unknown = verification.verify(s, "2020010703999999", None, TODAY, rt.clock.now())
        assert unknown["verdict"] == "unknown_number"
        assert {cb["cnca_number"] for cb in unknown["searched"]} == {"CNCA-R-2002-001", "CNCA-R-2003-002"}
    with rt.db.read() as s:
        rows = {(r.kind, r.number_key): r.count for r in s.scalars(select(CounterfeitSignal))}
        assert rows == {("holder_mismatch", "2020010703123456"): 1, ("unknown_number", "2020010703999999"): 3}
        recorded = s.scalar(select(func.count()).select_from(Event).where(
            Event.type == "certs.CounterfeitSignalRecorded"))
        assert recorded == 2  # once a day per signal, however often it is looked up
        assert s.scalar(select(func.count()).select_from(Event).where(Event.actor.is_not(None),
                                                                       Event.type == "certs.CounterfeitSignalRecorded")) == 0


def test_bulk_upsert_answers_per_item(rt, world):
    issue(rt, world, cb_ref="A-1")
    items = [world.cert(cb_ref="A-1"),  # unchanged
             world.cert(cb_ref="A-1b", number="2020010703000011"),  # created
             world.cert(cb_ref="A-2", number="2020010703000012", holder_uscc="91500000MA00000000"),  # rejected
             world.cert(cb_ref="A-3", number="2020010703000013", status="suspended", reason_code="S05")]
    with rt.db.begin() as s:
        outcomes = service.upsert_many(s, world.cb, items, rt.clock.now(), TODAY)
    assert [o.outcome for o in outcomes] == ["unchanged", "created", "rejected", "created"]
    assert outcomes[2].field == "holder_uscc" and outcomes[2].zh and outcomes[2].en
    again = [world.cert(cb_ref="A-1", scope="电冰箱、冷柜"),
             world.cert(cb_ref="A-3", number="2020010703000013", status="valid", reason_code="R01")]
    with rt.db.begin() as s:
        outcomes = service.upsert_many(s, world.cb, again, rt.clock.now(), TODAY)
        assert [o.outcome for o in outcomes] == ["updated", "updated"]
        assert s.get(Certificate, outcomes[1].id).status == "valid"


def test_ledger_audit_names_a_certificate_changed_with_raw_sql(rt, world):
    cert_id = issue(rt, world)
    signer = note.Signer.generate("t.example/log")
    ledger.catch_up(rt.db, signer, "t.example/log", rt.clock)
    with rt.db.read() as s:
        assert audit.run(s, signer.verifier(), audited_tables()).ok
    with rt.db.begin() as s:
        s.execute(text("UPDATE certificate SET status = 'valid', expiry_date = '2099-01-01' WHERE id = :i"),
                  {"i": cert_id})
    with rt.db.read() as s:
        wheres = sorted(f.where for f in audit.run(s, signer.verifier(), audited_tables()).findings)
    assert wheres == [f"certificate:{cert_id}.expiry_date"]

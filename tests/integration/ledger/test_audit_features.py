"""The ledger audit covers every feature's tables (ledger issue, point 6): after a town's worth of directory,
inspection and credit work the audit is clean, and each row changed, deleted or inserted with raw SQL — on SQLite
and on PostgreSQL — is named, with nothing else."""

from __future__ import annotations

import zlib
from datetime import timedelta

import pytest
from sqlalchemy import select, text
from towns import ORIGIN, REG, REG_B, add, build_town, inspection_fails, penalty, reclassify

from zhiliang.app import audited_tables
from zhiliang.credit import institutions, service
from zhiliang.inspections.models import InspectionPlan, InspectionTarget
from zhiliang.ledger import audit, note
from zhiliang.ledger import service as ledger
from zhiliang.registry.models import Person


@pytest.fixture(scope="module")
def signer():
    return note.Signer.generate(ORIGIN)


@pytest.fixture
def town(rt, signer):
    """Every audited kind of row: enterprises, a CB and inspectors, an item, a drawn and published plan, penalties
    (one ended, one listed), a repair application refused, a CB credit record, and reclassified enterprises."""
    made = build_town(rt)
    failed, listed, plain_id = made["ids"][2], made["ids"][4], made["ids"][5]
    inspection_fails(rt, made, failed)
    grave = add(rt, listed, penalty(decision_no="沙市监罚〔2026〕9号", heavier=True, serious=True,
                                    heavier_penalty="licence_revoked"))
    plain = add(rt, plain_id, penalty(decision_no="沙市监罚〔2026〕11号"))
    ended = add(rt, plain_id, penalty(indicator="abnormal_operation", decision_no=None, legal_basis=None,
                                      amount=None))
    with rt.db.begin() as s:
        service.end_record(s, REG, rt.clock.now(), ended, rt.today())
        listing = service.list_serious(s, REG, rt.clock.now(), rt.today(), rt.settings, grave, "第二条、第七条").id
        application = service.apply_repair(s, REG, rt.clock.now(), listing_id=listing, commitment_letter="承诺").id
        service.review_repair(s, REG_B, rt.clock.now(), rt.today(), rt.settings, application, False, "未满1年")
        institution = institutions.add_record(s, REG, rt.clock.now(), rt.today(), institutions.model(rt.settings),
                                              kind="cb", institution_id=made["cb"], indicator="regulator_withdrawal",
                                              occurred_on=rt.today() - timedelta(days=3)).id
    assert reclassify(rt).changed > 0
    ledger.catch_up(rt.db, signer, ORIGIN, rt.clock)
    with rt.db.read() as s:
        plan = s.scalars(select(InspectionPlan)).one()
        target = s.scalars(select(InspectionTarget).where(InspectionTarget.entity_id == failed)).one()
        person = s.scalars(select(Person)).first()
        item_id = made["item"]
        return {**made, "failed": failed, "plain": plain, "ended": ended, "listing": listing,
                "application": application, "institution": institution, "plan": plan.id, "target": target.id,
                "person": person.id, "item_id": item_id}


def findings(rt, signer):
    with rt.db.read() as s:
        return audit.run(s, signer.verifier(), audited_tables()).findings


def test_the_audit_of_every_feature_is_clean_and_reads_every_table(rt, signer, town):
    with rt.db.read() as s:
        report = audit.run(s, signer.verifier(), audited_tables())
    assert report.ok, report.findings[:5]
    tables = {p.table or p.entity for p in audited_tables()}
    assert {"enterprise", "certification_body", "laboratory", "person", "product", "certificate", "inspection_item",
            "inspection_plan", "inspection_target", "credit_record", "serious_listing", "credit_repair_application",
            "institution_credit_record"} <= tables


def _repacked_pool(rt, town):
    """The plan's pool snapshot with its last member's class changed (as stored: zlib of binary columns)."""
    with rt.db.read() as s:
        data = bytearray(zlib.decompress(s.execute(text("SELECT data FROM inspection_pool WHERE plan_id = :p"),
                                                   {"p": town["plan"]}).scalar_one()))
    data[-1] = ord("A") if data[-1] != ord("A") else ord("D")
    return zlib.compress(bytes(data))


TAMPERING = {
    "penalty amount": ("UPDATE credit_record SET amount = 1 WHERE id = :plain", "credit_record:{plain}.amount"),
    "penalty hidden as repaired": ("UPDATE credit_record SET status = 'repaired' WHERE id = :plain",
                                   "credit_record:{plain}.status"),
    "ended record reopened": ("UPDATE credit_record SET ended_on = NULL WHERE id = :ended",
                              "credit_record:{ended}.ended_on"),
    "penalty deleted": ("DELETE FROM credit_record WHERE id = :plain", "credit_record:{plain}"),
    "listing shortened": ("UPDATE serious_listing SET ends_on = :soon WHERE id = :listing",
                          "serious_listing:{listing}.ends_on"),
    "repair granted": ("UPDATE credit_repair_application SET status = 'granted' WHERE id = :application",
                       "credit_repair_application:{application}.status"),
    "institution record": ("UPDATE institution_credit_record SET indicator = 'late_report' WHERE id = :institution",
                           "institution_credit_record:{institution}.indicator"),
    "risk class lowered": ("UPDATE enterprise SET risk_class = 'A' WHERE id = :failed",
                           "enterprise:{failed}.risk_class"),
    "published outcome": ("UPDATE inspection_target SET outcome = 'NO_PROBLEM' WHERE id = :target",
                          "inspection_target:{target}.outcome"),
    "finding removed": ("DELETE FROM inspection_finding WHERE target_id = :target",
                        "inspection_target:{target}.findings"),
    "inspector swapped": ("UPDATE inspection_target SET inspectors = '[]' WHERE id = :target",
                          "inspection_plan:{plan}.targets_digest"),
    "seed replaced": ("UPDATE inspection_plan SET seed = :zeros WHERE id = :plan", "inspection_plan:{plan}.seed"),
    "pool snapshot": ("UPDATE inspection_pool SET data = :pool WHERE plan_id = :plan",
                      "inspection_plan:{plan}.pool_snapshot"),
    "item's legal basis": ("UPDATE inspection_item SET legal_basis = '无' WHERE id = :item_id",
                           "inspection_item:{item_id}.legal_basis"),
    "CB approvals": ("UPDATE certification_body SET approved_types = '[\"CCC\", \"ORGANIC\"]' WHERE id = :cb",
                     "certification_body:{cb}.approved_types"),
    "inspector's jurisdiction": ("UPDATE person SET jurisdiction = '500000' WHERE id = :person",
                                 "person:{person}.jurisdiction"),
}


@pytest.mark.parametrize("case", list(TAMPERING))
def test_the_audit_names_each_row_changed_outside_the_platform(rt, signer, town, case):
    sql, where = TAMPERING[case]
    params = {**{k: v for k, v in town.items() if isinstance(v, int)}, "soon": rt.today() + timedelta(days=1),
              "zeros": "0" * 64}
    if ":pool" in sql:
        params["pool"] = _repacked_pool(rt, town)
    with rt.db.begin() as s:
        s.execute(text(sql), {k: v for k, v in params.items() if f":{k}" in sql})
    assert [f.where for f in findings(rt, signer)] == [where.format(**town)]


def test_the_audit_names_a_listing_inserted_outside_the_platform(rt, signer, town):
    with rt.db.begin() as s:
        s.execute(text("INSERT INTO serious_listing (id, enterprise_id, record_id, listed_on, ends_on, basis, status, "
                       "listed_by, created_at) VALUES (900001, :e, :r, :d, :d, '伪造', 'listed', 'x', :at)"),
                  {"e": town["ids"][5], "r": town["plain"], "d": rt.today(), "at": rt.clock.now()})
    found = findings(rt, signer)
    assert [f.where for f in found] == ["serious_listing:900001"]
    assert "绕过平台" in found[0].zh and "outside the platform" in found[0].en


def test_a_new_institution_record_is_logged_on_its_own_entity(rt, town):
    with rt.db.read() as s:
        entity = s.execute(text("SELECT entity FROM event WHERE type = 'credit.InstitutionRecordAdded'")).scalar_one()
    assert entity == f"institution_credit_record:{town['institution']}"


def test_a_class_change_is_logged_without_revealing_the_class(rt, town):
    """The risk class is for staff only: the public leaf of a ``credit.ClassChanged`` names the model and commits
    to the class (a salted hash), and the audit still checks the class against the private part."""
    import json

    with rt.db.read() as s:
        seq, private = s.execute(text("SELECT seq, private FROM event WHERE type = 'credit.ClassChanged' "
                                      "ORDER BY seq LIMIT 1")).one()
        leaf = json.loads(ledger.entry_for_event(s, seq).data)
    assert (json.loads(private) if isinstance(private, str) else private)["to"] in "ACD"
    assert set(leaf["payload"]) == {"model", "as_of"} and len(leaf["private"]) == 64

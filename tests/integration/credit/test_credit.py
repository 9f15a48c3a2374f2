"""Credit supervision on a real database (issue 6): records from staff and from other modules' events, the
reclassification and its explanation, the chain from a withdrawn certificate and a failed inspection to a higher
class and a higher chance of being drawn, the serious-violation list, expiry and credit repair."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select, update
from towns import ORIGIN, OUTSIDER, REG, REG_B, add, build_town, inspection_fails, model, penalty, reclassify

from zhiliang.certificates import service as certificates
from zhiliang.certificates.schemas import CertificateIn
from zhiliang.credit import queries, scoring, service
from zhiliang.credit.models import CreditRecord
from zhiliang.inspections import service as inspections
from zhiliang.kernel.auth import Actor
from zhiliang.kernel.errors import DomainError
from zhiliang.kernel.events import Event, EventCursor
from zhiliang.registry.models import Enterprise


@pytest.fixture
def town(rt):
    return build_town(rt)


def refused(rt, fn, status):
    with rt.db.begin() as s, pytest.raises(DomainError) as caught:
        fn(s)
    assert caught.value.status == status, caught.value.en
    return caught.value


def risk_class(rt, enterprise_id):
    with rt.db.read() as s:
        return s.get(Enterprise, enterprise_id).risk_class


def test_staff_records_are_checked_located_and_logged(rt, town):
    target = town["ids"][0]
    for item, field in ((penalty(decision_no=""), "decision_no"), (penalty(indicator="parking"), "indicator"),
                        (penalty(occurred_on=rt.today() + timedelta(days=1)), "occurred_on"),
                        (penalty(amount=Decimal("-1")), "amount"), (penalty(heavier_penalty="flogging"),
                                                                      "heavier_penalty")):
        error = refused(rt, lambda s, i=item: service.add_record(s, REG, rt.clock.now(), rt.today(), model(rt),
                                                                 target, i), 422)
        assert error.field == field and error.zh and error.en
    refused(rt, lambda s: service.add_record(s, OUTSIDER, rt.clock.now(), rt.today(), model(rt), target,
                                             penalty()), 403)
    record_id = add(rt, target, penalty(heavier=True))
    with rt.db.read() as s:
        logged = s.scalars(select(Event).where(Event.type == "credit.RecordAdded")).one()
    assert logged.entity == f"enterprise:{target}" and logged.payload["record_id"] == record_id
    assert logged.payload["decision_no"] == "沙市监罚〔2026〕7号" and logged.payload["heavier"] is True


def _draw_chance(rt, town, enterprise_id, code):
    """The chance that ``enterprise_id`` is drawn by a plan with ratios A 2 % B 5 % C 20 % D 50 %: quota / size
    of its stratum in the committed pool."""
    with rt.db.begin() as s:
        inspections.create_plan(s, REG, rt.clock.now(), code=code, title="年度抽查", kind="annual",
                                jurisdiction="500106", departments=["市场监管局"], item_ids=[town["item"]],
                                filters={}, ratios={"A": "0.02", "B": "0.05", "C": "0.2", "D": "0.5"},
                                min_per_stratum=1, origin=ORIGIN)
        preview = inspections.preview(s, code)
    stratum = risk_class(rt, enterprise_id)
    return preview["quotas"][stratum] / preview["sizes"][stratum]


def test_a_withdrawn_certificate_and_a_failed_inspection_move_b_to_c_and_raise_the_draw_chance(rt, town):
    holder = town["ids"][3]
    cb = Actor(931, "cb", "cqc-api", town["cb"])
    before = _draw_chance(rt, town, holder, "2026-Y-1")
    assert risk_class(rt, holder) == "B"
    with rt.db.begin() as s:
        cert = certificates.issue(s, cb, CertificateIn(
            number="2026010703123456", cb_ref="Q-1", type_code="CCC", holder_uscc=town["usccs"][3],
            holder_name="沙坪坝区第3电器厂", scope="电冰箱", issued_date=date(2026, 1, 5),
            expiry_date=date(2031, 1, 4)), rt.clock.now(), rt.today())
        cert_id = cert.id
    first = reclassify(rt)  # a valid certificate: 10 − 6 = 4 → class A
    assert risk_class(rt, holder) == "A" and first.moves == {"B>A": 1}
    with rt.db.begin() as s:
        certificates.change_status(s, cb, cert_id, "withdraw", "W07", rt.today(), None, rt.clock.now(), rt.today())
    inspection_fails(rt, town, holder)
    result = reclassify(rt)
    assert risk_class(rt, holder) == "C" and result.moves == {"A>C": 1} and result.changed == 1
    with rt.db.read() as s:
        why = scoring.explain(s, model(rt), holder, rt.today())
        change = s.scalars(select(Event).where(Event.type == "credit.ClassChanged",
                                               Event.entity == f"enterprise:{holder}").order_by(Event.seq.desc())
                           ).first()
    assert why.score == pytest.approx(10 + 20 + 15) and why.risk_class == "C"
    assert sorted(c.indicator for c in why.contributions) == ["certificate_withdrawn", "inspection_failed"]
    assert change.private["from"] == "A" and change.private["to"] == "C" and change.payload["model"] == "2026.1"
    assert set(change.payload) == {"model", "as_of"}  # the class is staff-only: not in the public payload
    after = _draw_chance(rt, town, holder, "2026-Y-2")
    assert after > before  # 20 % of its stratum instead of 5 % (with a minimum of one per stratum)
    assert reclassify(rt).changed == 0  # nothing new: nothing rewritten, no event
    with rt.db.begin() as s:  # reading on, or reading the stream again from the start, adds no record twice
        service.ingest(s, rt.clock.now())
        s.execute(update(EventCursor).where(EventCursor.subscriber == service.SUBSCRIBER).values(last_seq=0,
                                                                                              last_txid=0))
        while service.ingest(s, rt.clock.now()):
            pass
        assert s.scalar(select(func.count()).select_from(CreditRecord)) == 2


def test_the_serious_violation_list_early_removal_and_expiry(rt, town):
    target = town["ids"][5]
    plain = add(rt, target, penalty())
    error = refused(rt, lambda s: service.list_serious(s, REG, rt.clock.now(), rt.today(), rt.settings, plain,
                                                       "第44号令第二条"), 422)
    assert "较重行政处罚" in error.zh and "Article 12" in error.en
    grave = add(rt, target, penalty(decision_no="沙市监罚〔2026〕9号", heavier=True, serious=True,
                                    heavier_penalty="licence_revoked"))
    with rt.db.begin() as s:
        listing = service.list_serious(s, REG, rt.clock.now(), rt.today(), rt.settings, grave,
                                       "《市场监督管理严重违法失信名单管理办法》第二条、第七条").id
    reclassify(rt)
    assert risk_class(rt, target) == "D"  # 10 + 20 + 35 + 60
    with rt.db.read() as s:
        public = queries.profile(s, rt.settings, target, rt.today(), Actor.public())
        assert [x["id"] for x in public["serious_list"]] == [listing] and "risk_class" not in public
        assert [x["enterprise_id"] for x in queries.current_listings(s)] == [target]
    owner = Actor(941, "enterprise", "hengda", target)
    with rt.db.begin() as s:
        app_id = service.apply_repair(s, owner, rt.clock.now(), listing_id=listing, obligations_fulfilled=True,
                                      harm_remedied=True, commitment_letter="本企业承诺守法经营。").id
    too_soon = refused(rt, lambda s: service.review_repair(s, REG, rt.clock.now(), rt.today(), rt.settings, app_id,
                                                           True), 409)
    assert "列入满1年" in too_soon.zh
    rt.clock.advance(days=366)
    refused(rt, lambda s: service.review_repair(s, Actor(941, "regulator", "hengda", None, "500106"), rt.clock.now(),
                                                rt.today(), rt.settings, app_id, True), 403)  # the applicant itself
    with rt.db.begin() as s:
        assert service.review_repair(s, REG_B, rt.clock.now(), rt.today(), rt.settings, app_id, True).status == \
            "granted"
    with rt.db.read() as s:
        public = queries.profile(s, rt.settings, target, rt.today(), Actor.public())
        assert public["serious_list"] == [] and queries.current_listings(s) == []
    reclassify(rt)
    assert risk_class(rt, target) == "C"  # the listing no longer counts; the decaying penalties still do

    other = town["ids"][6]
    grave2 = add(rt, other, penalty(decision_no="沙市监罚〔2027〕1号", occurred_on=rt.today(), heavier=True,
                                     serious=True, heavier_penalty="heavier_fine"))
    with rt.db.begin() as s:
        second = service.list_serious(s, REG, rt.clock.now(), rt.today(), rt.settings, grave2, "第二条、第五条")
        ends = second.ends_on
    assert ends == date(rt.today().year + 3, rt.today().month, rt.today().day)
    rt.clock.advance(days=(ends - rt.today()).days - 1)
    with rt.db.begin() as s:
        assert service.expire_listings(s, rt.clock.now(), rt.today()) == 0
    rt.clock.advance(days=1)
    with rt.db.begin() as s:
        assert service.expire_listings(s, rt.clock.now(), rt.today()) == 1
        assert queries.current_listings(s) == []


@pytest.mark.parametrize("special, months", [(False, 6), (True, 12)])
def test_penalty_publication_repair_after_its_period(rt, town, special, months):
    target = town["ids"][7]
    record = add(rt, target, penalty(occurred_on=rt.today(), special_field=special))
    with rt.db.begin() as s:
        app_id = service.apply_repair(s, REG, rt.clock.now(), record_id=record, commitment_letter="承诺").id
    rt.clock.advance(days=30 * months - 10)
    early = refused(rt, lambda s: service.review_repair(s, REG_B, rt.clock.now(), rt.today(), rt.settings, app_id,
                                                        True), 409)
    assert "公示满规定期限" in early.zh
    rt.clock.advance(days=20)
    with rt.db.begin() as s:
        service.review_repair(s, REG_B, rt.clock.now(), rt.today(), rt.settings, app_id, True)
    with rt.db.read() as s:
        assert queries.profile(s, rt.settings, target, rt.today(), Actor.public())["published_records"] == []
        staff = queries.profile(s, rt.settings, target, rt.today(), REG)
    assert [r["status"] for r in staff["records"]] == ["repaired"]  # kept, not deleted


def test_repair_applications_are_due_in_working_days_and_listed_when_overdue(rt, town):
    from datetime import UTC, datetime

    from zhiliang.credit import api

    rt.clock.at = datetime(2026, 9, 25, 2, 0, tzinfo=UTC)  # a Friday, a week before National Day
    record = add(rt, town["ids"][9], penalty(occurred_on=rt.today()))
    with rt.db.begin() as s:
        application = service.apply_repair(s, REG, rt.clock.now(), record_id=record, commitment_letter="承诺",
                                           decide_by=api.review_deadline(rt))
        app_id, due = application.id, application.decide_by
    assert due == rt.calendar.add_workdays(date(2026, 9, 25), rt.settings.credit_penalty_review_workdays)
    # 15 weekdays would end on 2026-10-16; the National Day holidays push the deadline later.
    assert due > date(2026, 10, 16)
    with rt.db.read() as s:
        assert queries.overdue_repairs(s, due) == []
        assert [a["id"] for a in queries.overdue_repairs(s, due + timedelta(days=1))] == [app_id]

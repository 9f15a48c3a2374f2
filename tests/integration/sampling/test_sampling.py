"""Supervision sampling on a real database (issue 7): plans and their checks, the repeat-sampling guard, reports
entered only by the assigned laboratory and immutable once signed, the 15-day objection and the re-test by another
laboratory, confirmation into a credit record, publication, disposal with deadlines, pass rates and the Pareto of
failing items, and the tables under the ledger audit."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select, text
from support import district_enterprises

from zhiliang.app import audited_tables
from zhiliang.credit import service as credit
from zhiliang.credit.models import CreditRecord
from zhiliang.kernel.auth import Actor
from zhiliang.kernel.errors import DomainError
from zhiliang.ledger import audit, note
from zhiliang.ledger import service as ledger
from zhiliang.registry import directory
from zhiliang.registry.models import Enterprise
from zhiliang.registry.service import upsert_enterprises
from zhiliang.sampling import disposal, queries, reports, service
from zhiliang.sampling.models import Sample, SampleReport
from zhiliang.sampling.reports import ItemIn

REG = Actor(51, "regulator", "reg-sampling", None, "500106", "市场监管局")
CITY = Actor(52, "regulator", "reg-city", None, "500100", "市场监管局")
OUTSIDER = Actor(53, "regulator", "reg-other", None, "500103", "市场监管局")
START, END = date(2026, 1, 1), date(2026, 12, 31)


@pytest.fixture
def town(rt):
    rt.clock.at = datetime(2027, 1, 10, 2, 0, tzinfo=UTC)  # after the year's samples, notices and windows
    records = district_enterprises(11, 4)
    with rt.db.begin() as s:
        upsert_enterprises(s, records, Actor.system(), rt.clock.now(), "test")
        labs = [directory.register_lab(s, Actor.system(), rt.clock.now(), cma_number=f"23001234567{k}",
                                       name=f"检测中心{k}", scope=["电冰箱"]).id for k in range(2)]
        ids = {e.uscc: e.id for e in s.scalars(select(Enterprise))}
        plan = service.create_plan(s, REG, rt.clock.now(), code="SPB-2026-1", title="2026年沙坪坝区电器抽查",
                                   level="district", jurisdiction="500106", period_start=START, period_end=END,
                                   categories=["E"], quotas={"500106": 50})
        return {"ids": [ids[r.uscc] for r in records], "labs": labs, "plan": plan.code,
                "lab": Actor(61, "lab", "lab-0", labs[0]), "lab2": Actor(62, "lab", "lab-1", labs[1])}


def refused(rt, fn, status):
    with rt.db.begin() as s, pytest.raises(DomainError) as caught:
        fn(s)
    assert caught.value.status == status, caught.value.en
    assert caught.value.zh and caught.value.en
    return caught.value


def sample_in(town, code="S-1", enterprise=0, **kw):
    fields = {"code": code, "enterprise_id": town["ids"][enterprise], "category": "E01", "product": "家用电冰箱",
              "sampled_on": date(2026, 3, 2), "place": "producer", "sampler": "张三、李四",
              "lab_id": town["labs"][0], "brand": "冰峰", "model": "BCD-200", "batch": "20260201"}
    return service.SampleIn(**{**fields, **kw})


def register(rt, town, **kw):
    with rt.db.begin() as s:
        return service.register_sample(s, REG, rt.clock.now(), town["plan"], sample_in(town, **kw)).id


ITEMS_PASS = [ItemIn("标志和说明", "GB 4706.1-2005 第7章", "应符合标准要求", "符合", "pass"),
              ItemIn("泄漏电流", "GB 4706.1-2005 第13.2条", "≤0.75 mA", "0.21", "pass", "mA")]
ITEMS_FAIL = [ItemIn("标志和说明", "GB 4706.1-2005 第7章", "应符合标准要求", "不符合", "fail"),
              ItemIn("泄漏电流", "GB 4706.1-2005 第13.2条", "≤0.75 mA", "0.21", "pass", "mA"),
              ItemIn("能效等级标注", "GB 12021.2-2015 第5条", "如实标注", "已标注", "info")]


def report(rt, lab, sample_id, items, no="R-1", correction=None, sign=True):
    with rt.db.begin() as s:
        draft = reports.save_draft(s, lab, rt.clock.now(), sample_id, no, items, correction=correction)
        if sign:
            reports.sign_off(s, lab, rt.clock.now(), rt.today(), draft.id)
        return draft.id


def test_plans_are_checked_and_kept_to_their_jurisdiction(rt, town):
    base = {"code": "X-1", "title": "抽查", "level": "district", "jurisdiction": "500106", "period_start": START,
            "period_end": END, "categories": ["E"]}
    for change, field in (({"level": "village"}, "level"), ({"period_end": START - timedelta(days=1)}, "period_end"),
                          ({"categories": ["ZZ"]}, "categories"), ({"quotas": {"500103": 5}}, "quotas"),
                          ({"level": "national"}, "jurisdiction"), ({"code": "SPB-2026-1"}, "code"),
                          ({"jurisdiction": "5001061"}, "jurisdiction"), ({"title": "抽" * 201}, "title"),
                          ({"quotas": {"沙坪坝": 5}}, "quotas")):
        error = refused(rt, lambda s, c=change: service.create_plan(s, REG, rt.clock.now(), **{**base, **c}),
                        409 if field == "code" else 422)
        assert error.field == field
    refused(rt, lambda s: service.create_plan(s, OUTSIDER, rt.clock.now(), **base), 403)
    refused(rt, lambda s: service.create_plan(s, REG, rt.clock.now(), **{**base, "level": "national",
                                                                            "jurisdiction": "000000"}), 403)


def test_samples_are_checked_and_a_higher_level_sampling_is_not_repeated_below(rt, town):
    for kw, field in (({"category": "C01"}, "category"), ({"category": "E"}, "category"),
                      ({"sampled_on": date(2027, 1, 5)}, "sampled_on"),
                      ({"lab_id": 999}, "lab_id"), ({"place": "roadside"}, "place"),
                      ({"produced_on": date(2026, 4, 1)}, "produced_on")):
        assert refused(rt, lambda s, k=kw: service.register_sample(s, REG, rt.clock.now(), town["plan"],
                                                                   sample_in(town, **k)), 422).field == field
    with rt.db.begin() as s:
        city = service.create_plan(s, CITY, rt.clock.now(), code="CQ-2026-E", title="重庆市电器抽查", level="city",
                                   jurisdiction="500100", period_start=date(2026, 2, 1), period_end=date(2026, 6, 30),
                                   categories=["E01"])
        service.register_sample(s, CITY, rt.clock.now(), city.code, sample_in(town, code="C-1"))
    error = refused(rt, lambda s: service.register_sample(s, REG, rt.clock.now(), town["plan"],
                                                          sample_in(town, product="家用 电冰箱")), 409)
    assert "产品质量法第十五条" in error.zh and "CQ-2026-E" in error.en
    register(rt, town, enterprise=1)  # another producer's refrigerator: allowed
    register(rt, town, code="S-2", product="储水式电热水器", category="E02")  # another product of the same producer
    refused(rt, lambda s: service.register_sample(s, REG, rt.clock.now(), town["plan"],
                                                  sample_in(town, code="S-2", enterprise=2)), 409)  # code taken


def test_only_the_assigned_laboratory_enters_a_report_and_a_signed_report_never_changes(rt, town):
    sample_id = register(rt, town)
    for actor in (town["lab2"], REG, Actor.system()):
        refused(rt, lambda s, a=actor: reports.save_draft(s, a, rt.clock.now(), sample_id, "R-1", ITEMS_PASS), 403)
    bad = ITEMS_PASS + [ItemIn("外观", "第9条", "无损伤", "", "pass")]
    assert refused(rt, lambda s: reports.save_draft(s, town["lab"], rt.clock.now(), sample_id, "R-1", bad),
                   422).field == "items/3/value"
    assert refused(rt, lambda s: reports.save_draft(s, town["lab"], rt.clock.now(), sample_id, "R-1",
                                                    [ItemIn("外观", "第9条", "无损伤", "好", "ok")]),
                   422).field == "items/1/verdict"
    first = report(rt, town["lab"], sample_id, ITEMS_PASS, sign=False)
    assert report(rt, town["lab"], sample_id, ITEMS_FAIL, sign=True) == first  # a draft is replaced in place
    with rt.db.read() as s:
        sample = s.get(Sample, sample_id)
        assert (sample.status, sample.verdict, sample.report_id) == ("tested", "fail", first)
    error = refused(rt, lambda s: reports.save_draft(s, town["lab"], rt.clock.now(), sample_id, "R-1", ITEMS_PASS),
                    409)
    assert error.field == "correction"
    refused(rt, lambda s: reports.sign_off(s, town["lab"], rt.clock.now(), rt.today(), first), 409)
    second = report(rt, town["lab"], sample_id, ITEMS_PASS, no="R-1/1", correction="第1项误判,复核原始记录后更正")
    with rt.db.read() as s:
        versions = reports.reports_of(s, sample_id)
        assert [(r.id, r.version, r.supersedes_id, r.verdict) for r in versions] == [
            (first, 1, None, "fail"), (second, 2, first, "pass")]
        assert [i.value for i in reports.items_of(s, first)] == ["不符合", "0.21", "已标注"]  # kept as signed
        assert s.get(Sample, sample_id).verdict == "pass"


def test_the_objection_window_the_retest_by_another_lab_and_the_credit_record(rt, town):
    sample_id = register(rt, town)
    report(rt, town["lab"], sample_id, ITEMS_FAIL)
    assert refused(rt, lambda s: service.notify(s, REG, rt.clock.now(), sample_id, date(2027, 2, 1), rt.calendar),
                   422).field == "received_on"  # not yet: the clock says 10 January 2027
    with rt.db.begin() as s:
        sample = service.notify(s, REG, rt.clock.now(), sample_id, date(2026, 3, 6), rt.calendar)
        assert sample.objection_deadline == date(2026, 3, 23)  # 21 March is a Saturday
    owner = Actor(71, "enterprise", "maker", town["ids"][0])
    stranger = Actor(72, "enterprise", "other", town["ids"][3])
    refused(rt, lambda s: service.object_to(s, stranger, rt.clock.now(), date(2026, 3, 10), sample_id, "不服"), 403)
    late = refused(rt, lambda s: service.object_to(s, owner, rt.clock.now(), date(2026, 3, 24), sample_id, "不服"), 409)
    assert "2026-03-23" in late.en
    with rt.db.begin() as s:
        objection = service.object_to(s, owner, rt.clock.now(), date(2026, 3, 23), sample_id, "标志检验有误").id
    refused(rt, lambda s: service.assign_retest(s, REG, rt.clock.now(), objection, town["labs"][0]), 422)
    with rt.db.begin() as s:
        service.assign_retest(s, REG, rt.clock.now(), objection, town["labs"][1])
    refused(rt, lambda s: reports.save_draft(s, town["lab"], rt.clock.now(), sample_id, "R-2", ITEMS_PASS), 403)
    retest = report(rt, town["lab2"], sample_id, ITEMS_PASS, no="RT-1")
    with rt.db.read() as s:
        sample = s.get(Sample, sample_id)
        assert (sample.status, sample.verdict, sample.report_id) == ("confirmed", "pass", retest)
        assert s.get(SampleReport, retest).kind == "retest"

    failing = register(rt, town, code="S-9", enterprise=1)
    report(rt, town["lab"], failing, ITEMS_FAIL)
    with rt.db.begin() as s:
        service.notify(s, REG, rt.clock.now(), failing, date(2026, 3, 2), rt.calendar)
        assert service.confirm_due(s, rt.clock.now(), date(2026, 3, 17)) == 0  # the last day to object
        assert service.confirm_due(s, rt.clock.now(), date(2026, 3, 18)) == 1
        while credit.ingest(s, rt.clock.now()):
            pass
        records = s.scalars(select(CreditRecord)).all()
    assert [(r.enterprise_id, r.indicator) for r in records] == [(town["ids"][1], "sampling_failed")]


def _finished(rt, town, code, enterprise, items, category="E01", product="家用电冰箱"):
    sample_id = register(rt, town, code=code, enterprise=enterprise, category=category, product=product)
    report(rt, town["lab"], sample_id, items, no=f"R-{code}")
    with rt.db.begin() as s:
        service.notify(s, REG, rt.clock.now(), sample_id, date(2026, 3, 2), rt.calendar)
    return sample_id


def test_publication_pass_rates_pareto_history_and_disposal(rt, town):
    failed = _finished(rt, town, "A", 0, ITEMS_FAIL)
    _finished(rt, town, "B", 1, ITEMS_PASS)
    _finished(rt, town, "C", 2, ITEMS_PASS, "E02", "储水式电热水器")
    with rt.db.begin() as s:
        refused(rt, lambda s2: disposal.add(s2, REG, rt.clock.now(), date(2026, 3, 2), failed, "rectify",
                                            date(2026, 4, 30)), 409)  # not confirmed yet
        assert service.confirm_due(s, rt.clock.now(), date(2026, 3, 20)) == 3
        assert service.publish(s, REG, rt.clock.now(), town["plan"]) == 3
    with rt.db.read() as s:
        overall = queries.pass_rates(s, ())
        by_category = {r["category"]: r for r in queries.pass_rates(s, ("category", "quarter"))}
        pareto = queries.failing_items(s)
        public = queries.history(s, town["ids"][0], public=True)
        shown = queries.published(s)
    assert (overall[0]["tested"], overall[0]["passed"], overall[0]["unstable"]) == (3, 2, True)
    assert by_category["E01"]["quarter"] == "2026-Q1" and by_category["E01"]["rate"] == 0.5
    assert pareto["rows"][0]["category"] == "标志和说明" and pareto["total"] == 1
    assert public[0]["failing_items"] == ["标志和说明"] and public[0]["verdict"] == "fail"
    assert {r["code"] for r in shown} == {"A", "B", "C"}
    assert refused(rt, lambda s: disposal.add(s, REG, rt.clock.now(), date(2026, 3, 20), failed, "fine",
                                              date(2026, 4, 30)), 422).field == "action"
    with rt.db.begin() as s:
        step = disposal.add(s, REG, rt.clock.now(), date(2026, 3, 20), failed, "rectify", date(2026, 4, 30),
                            "30日内整改").id
        assert disposal.overdue(s, date(2026, 4, 30)) == []
        assert [d.id for d, _ in disposal.overdue(s, date(2026, 5, 1), within="500106")] == [step]
        disposal.complete(s, REG, rt.clock.now(), step, date(2026, 5, 2), "已整改并复查合格")
        assert disposal.overdue(s, date(2026, 5, 3)) == []


def test_the_sampling_tables_are_under_the_ledger_audit(rt, town):
    sample_id = _finished(rt, town, "A", 0, ITEMS_FAIL)
    signer = note.Signer.generate("t.example/log")
    with rt.db.begin() as s:
        service.confirm_due(s, rt.clock.now(), date(2026, 3, 20))
        report_id = s.get(Sample, sample_id).report_id
    ledger.catch_up(rt.db, signer, "t.example/log", rt.clock)
    with rt.db.read() as s:
        assert audit.run(s, signer.verifier(), audited_tables()).ok
    with rt.db.begin() as s:  # a signed report's item changed, and the verdict in force, both with raw SQL
        s.execute(text("UPDATE sample_report_item SET value = '符合', verdict = 'pass' WHERE report_id = :r AND "
                       "seq = 1"), {"r": report_id})
        s.execute(text("UPDATE sample SET verdict = 'pass' WHERE id = :i"), {"i": sample_id})
    with rt.db.read() as s:
        wheres = sorted(f.where for f in audit.run(s, signer.verifier(), audited_tables()).findings)
    assert wheres == [f"sample:{sample_id}.verdict", f"sample_report:{report_id}.items_digest"]


def test_the_rollup_answers_as_the_samples_do(rt, town):
    """Pass rates read from the rollup kept at confirmation equal the same aggregation over the samples, for
    every combination of dimensions (random verdicts, categories, districts and quarters)."""
    rng = random.Random(5)
    with rt.db.begin() as s:
        city = service.create_plan(s, CITY, rt.clock.now(), code="CQ-ALL", title="全市抽查", level="city",
                                   jurisdiction="500100", period_start=START, period_end=END, categories=["E", "C"])
        ids = []
        for n in range(40):
            item = sample_in(town, code=f"R-{n}", enterprise=n % 4, category=rng.choice(["E01", "E02", "C01"]),
                             product=f"产品{n}", division_code=rng.choice(["500106", "500107"]),
                             sampled_on=date(2026, rng.randint(1, 12), 1))
            ids.append(service.register_sample(s, CITY, rt.clock.now(), city.code, item).id)
    for n, sample_id in enumerate(ids):
        report(rt, town["lab"], sample_id, ITEMS_FAIL if rng.random() < 0.3 else ITEMS_PASS, no=f"R-{n}")
    with rt.db.begin() as s:
        for sample_id in ids:
            service.notify(s, CITY, rt.clock.now(), sample_id, date(2026, 12, 1), rt.calendar)
        assert service.confirm_due(s, rt.clock.now(), date(2027, 1, 5)) == len(ids)
    with rt.db.read() as s:
        for by in ((), ("category",), ("category_group", "quarter"), ("district", "year"), ("industry", "level"),
                   ("category", "district", "quarter")):
            rolled = queries.pass_rates(s, by, source="rollup")
            counted = queries.pass_rates(s, by, source="samples")
            assert rolled == counted and sum(r["tested"] for r in rolled) == len(ids)
        narrowed = queries.Filters(category="E", district="500107")
        assert queries.pass_rates(s, ("quarter",), narrowed, source="rollup") == \
            queries.pass_rates(s, ("quarter",), narrowed, source="samples")


PDF = b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def test_report_files_are_the_labs_to_attach_before_sign_off(rt, town, tmp_path):
    from zhiliang.sampling import attachments

    sample_id = register(rt, town)
    draft = report(rt, town["lab"], sample_id, ITEMS_PASS, sign=False)
    store = tmp_path / "files"
    for actor, data, status in ((town["lab2"], PDF, 403), (REG, PDF, 403), (town["lab"], b"MZ\x90\x00", 422),
                                (town["lab"], b"", 422)):
        refused(rt, lambda s, a=actor, d=data: attachments.attach(s, a, rt.clock.now(), draft, "报告.pdf", d, store,
                                                                   1 << 20), status)
    with rt.db.begin() as s:
        entry = attachments.attach(s, town["lab"], rt.clock.now(), draft, "报告.pdf", PDF, store, 1 << 20)
        reports.sign_off(s, town["lab"], rt.clock.now(), rt.today(), draft)
    assert entry["content_type"] == "application/pdf" and entry["size"] == len(PDF)
    refused(rt, lambda s: attachments.attach(s, town["lab"], rt.clock.now(), draft, "补充.pdf", PDF, store, 1 << 20),
            409)  # signed: no more files
    with rt.db.read() as s:
        meta, path = attachments.file_of(s, REG, draft, entry["sha256"], store)
        assert path.read_bytes() == PDF and meta["name"] == "报告.pdf"
        for stranger in (town["lab2"], OUTSIDER):  # another laboratory; a regulator of another district
            with pytest.raises(DomainError):
                attachments.file_of(s, stranger, draft, entry["sha256"], store)


def test_a_correction_needs_a_new_notice_and_a_stale_draft_never_changes_a_confirmed_result(rt, town):
    sample_id = register(rt, town)
    report(rt, town["lab"], sample_id, ITEMS_PASS)
    with rt.db.begin() as s:
        service.notify(s, REG, rt.clock.now(), sample_id, date(2026, 3, 6), rt.calendar)
    report(rt, town["lab"], sample_id, ITEMS_FAIL, no="R-1/1", correction="复核后更正")
    with rt.db.read() as s:
        sample = s.get(Sample, sample_id)
        # the window runs from the result the producer received: the corrected one needs its own notice
        assert (sample.status, sample.verdict, sample.notified_on, sample.objection_deadline) == (
            "tested", "fail", None, None)
    with rt.db.begin() as s:
        service.notify(s, REG, rt.clock.now(), sample_id, date(2026, 4, 1), rt.calendar)
    stale = report(rt, town["lab"], sample_id, ITEMS_PASS, no="R-1/2", correction="再次更正", sign=False)
    with rt.db.begin() as s:
        assert service.confirm_due(s, rt.clock.now(), date(2026, 5, 1)) == 1
    refused(rt, lambda s: reports.sign_off(s, town["lab"], rt.clock.now(), rt.today(), stale), 409)
    with rt.db.read() as s:
        assert (s.get(Sample, sample_id).status, s.get(Sample, sample_id).verdict) == ("confirmed", "fail")
        assert queries.pass_rates(s, ())[0]["tested"] == 1  # counted once

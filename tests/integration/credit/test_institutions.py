"""Credit evaluation of certification bodies and laboratories (issue 6 point 4): records entered against them,
a CB's overdue reporting derived from its report times, classes with their reasons."""

from __future__ import annotations

from datetime import timedelta

import pytest

from zhiliang.certificates import service as certificates
from zhiliang.credit import institutions
from zhiliang.kernel.auth import Actor
from zhiliang.kernel.errors import DomainError
from zhiliang.registry import directory

REG = Actor(41, "regulator", "reg-inst", None, "500106", "市场监管局")


def test_cbs_and_labs_are_classed_from_their_records_and_reporting(rt):
    with rt.db.begin() as s:
        punctual = directory.register_cb(s, Actor.system(), rt.clock.now(), cnca_number="CNCA-R-2002-001",
                                         name="按时报送认证中心", approved_types=["QMS"]).id
        silent = directory.register_cb(s, Actor.system(), rt.clock.now(), cnca_number="CNCA-R-2003-002",
                                       name="长期未报送认证公司", approved_types=["QMS"]).id
        lab = directory.register_lab(s, Actor.system(), rt.clock.now(), cma_number="230012345678",
                                     name="重庆某检测有限公司", scope=["电冰箱"]).id
        certificates.touch_report(s, punctual, rt.clock.now())
    the_model = institutions.model(rt.settings)
    today = rt.today()
    with rt.db.begin() as s:
        for indicator, days in (("regulator_withdrawal", 10), ("regulator_withdrawal", 40)):
            institutions.add_record(s, REG, rt.clock.now(), today, the_model, kind="cb", institution_id=punctual,
                                    indicator=indicator, occurred_on=today - timedelta(days=days))
        institutions.add_record(s, REG, rt.clock.now(), today, the_model, kind="lab", institution_id=lab,
                                indicator="proficiency_failed", occurred_on=today, summary="2026年冰箱能效能力验证")
        institutions.add_record(s, REG, rt.clock.now(), today, the_model, kind="lab", institution_id=lab,
                                indicator="institution_penalty", occurred_on=today, heavier=True,
                                decision_no="渝市监罚〔2026〕88号")
    with rt.db.read() as s:
        cbs = {x["id"]: x for x in institutions.evaluate(s, rt.settings, "cb", today)}
        labs = institutions.evaluate(s, rt.settings, "lab", today)
    assert cbs[silent]["class"] == "B" and cbs[silent]["score"] == 25.0  # never reported: overdue (10 + 15)
    assert [c["indicator"] for c in cbs[silent]["contributions"]] == ["report_overdue"]
    assert cbs[punctual]["class"] == "C" and cbs[punctual]["score"] == pytest.approx(
        10 + 12 * 0.5 ** (10 / 730) + 12 * 0.5 ** (40 / 730), abs=1e-3)
    assert labs[0]["class"] == "D" and labs[0]["score"] == 10 + 15 + 40
    rt.clock.advance(days=40)  # 35 days without a report: overdue too
    with rt.db.read() as s:
        later = {x["id"]: x for x in institutions.evaluate(s, rt.settings, "cb", rt.today())}
    assert "report_overdue" in [c["indicator"] for c in later[punctual]["contributions"]]
    with rt.db.begin() as s, pytest.raises(DomainError) as bad:
        institutions.add_record(s, REG, rt.clock.now(), rt.today(), the_model, kind="cb", institution_id=silent,
                                indicator="report_overdue", occurred_on=rt.today())
    assert bad.value.status == 422 and bad.value.field == "indicator"  # derived, never entered
    with rt.db.begin() as s, pytest.raises(DomainError) as missing:
        institutions.add_record(s, REG, rt.clock.now(), rt.today(), the_model, kind="lab", institution_id=999,
                                indicator="proficiency_failed", occurred_on=rt.today())
    assert missing.value.status == 404

"""Credit records imported from a file (issue 6 point 1): good rows added with their events, bad rows located in
the registry's error report with reasons in Chinese and English, and the same file again adds nothing."""

from __future__ import annotations

import random

from sqlalchemy import func, select

from zhiliang.credit import importing
from zhiliang.credit.models import CreditRecord
from zhiliang.kernel.auth import Actor
from zhiliang.kernel.events import Event
from zhiliang.registry import queries, uscc
from zhiliang.registry.domain import EnterpriseRecord
from zhiliang.registry.service import upsert_enterprises

HEAD = "统一社会信用代码,信用指标,处罚日期,处罚决定书文号,法律依据,罚没金额,从重,较重处罚种类,情节严重\n"
REG = Actor(31, "regulator", "reg-import", None, "500106", "市场监管局")


def test_import_adds_good_rows_reports_bad_ones_and_repeats_nothing(rt, tmp_path):
    rng = random.Random(21)
    codes = [uscc.random_uscc(rng, "500106") for _ in range(2)] + [uscc.random_uscc(rng, "500103")]
    with rt.db.begin() as s:
        upsert_enterprises(s, [EnterpriseRecord(uscc=c, uscc_warning=None, name=f"企业{n}", entity_type="enterprise",
                                                legal_rep=None, address=None, division_code=c[2:8],
                                                industry_code=None, registration_authority=None,
                                                established_date=None, status="active", registered_capital=None,
                                                former_names=()) for n, c in enumerate(codes)],
                           Actor.system(), rt.clock.now(), "test")
    rows = [
        f"{codes[0]},行政处罚,2026年2月1日,沙市监罚〔2026〕1号,《产品质量法》第四十九条,\"50,000\",是,吊销许可证件、营业执照,否",
        f"{codes[1]},admin_penalty,2026-01-15,沙市监罚〔2026〕2号,《食品安全法》第一百二十四条,8000,否,,否",
        f"{codes[1]},列入经营异常名录,2026-02-10,,,,否,,否",
        f"{codes[0]},违章停车,2026-02-01,X,,,否,,否",              # unknown indicator
        f"{codes[0]},行政处罚,2026-02-30,沙市监罚〔2026〕3号,,,否,,否",  # no such day
        f"{codes[0]},行政处罚,2026-02-03,,,,否,,否",                 # penalty without decision number
        f"{codes[0]},行政处罚,2026-02-03,沙市监罚〔2026〕4号,,abc,也许,,否",  # bad amount and flag
        "91500106MA00000000,行政处罚,2026-02-03,沙市监罚〔2026〕5号,,,否,,否",  # unknown enterprise
        f"{codes[2]},行政处罚,2026-02-03,渝中市监罚〔2026〕6号,,,否,,否",   # outside the regulator's district
    ]
    path = tmp_path / "records.csv"
    path.write_text(HEAD + "\n".join(rows) + "\n", encoding="gbk")
    first = importing.import_records(rt, path, REG)
    assert (first.created, first.rejected, first.unchanged) == (3, 6, 0)
    with rt.db.read() as s:
        errors = {(e.row, e.column, e.code) for e in queries.import_errors(s, first.job_id)}
        stored = s.scalars(select(CreditRecord).order_by(CreditRecord.id)).all()
        added = s.scalar(select(func.count()).select_from(Event).where(Event.type == "credit.RecordAdded"))
    assert (5, "信用指标", "credit.indicator") in errors and (6, "日期", "credit.date") in errors
    assert (7, "处罚决定书文号", "credit.decision_no") in errors
    assert {(8, "罚没金额", "credit.amount"), (8, "从重", "credit.flag")} <= errors
    assert (9, "统一社会信用代码", "credit.enterprise") in errors and (10, "统一社会信用代码", "forbidden") in errors
    assert [r.indicator for r in stored] == ["admin_penalty", "admin_penalty", "abnormal_operation"]
    assert stored[0].heavier and stored[0].heavier_penalty == "licence_revoked" and str(stored[0].amount) == "50000.00"
    assert added == 3 and all(r.source == f"import:{first.job_id}" for r in stored)
    again = importing.import_records(rt, path, REG)
    assert (again.created, again.unchanged, again.rejected) == (0, 3, 6)

"""``zhiliang sampling`` as an operator runs it: the daily confirmation job (results past their objection window
become final, once) and the pass-rate table as text and CSV; a bad option is refused naming it."""

from __future__ import annotations

import csv
import io
import random
from datetime import UTC, date, datetime

from sqlalchemy import select
from support import zl

from zhiliang.kernel.auth import Actor
from zhiliang.kernel.clock import FixedClock
from zhiliang.kernel.config import Settings
from zhiliang.kernel.db import Database
from zhiliang.kernel.runtime import Runtime
from zhiliang.registry import directory, uscc
from zhiliang.registry.domain import EnterpriseRecord
from zhiliang.registry.models import Enterprise
from zhiliang.registry.service import upsert_enterprises
from zhiliang.sampling import reports, service
from zhiliang.sampling.reports import ItemIn

REG = Actor(1, "regulator", "reg-cli", None, "500106", "质量监督科")
ITEMS = {"pass": [ItemIn("泄漏电流", "GB 4706.1-2005 第13.2条", "≤0.75 mA", "0.21", "pass", "mA")],
         "fail": [ItemIn("标志和说明", "GB 4706.1-2005 第7章", "应符合标准要求", "不符合", "fail")]}


def _seed(engine) -> None:
    """Three samples of 2024 tested and notified on 2024-03-04 (window over long before the command runs), and one
    still registered."""
    rt = Runtime.build(Settings(_env_file=None), Database(engine),
                       FixedClock(datetime(2024, 3, 4, 2, 0, tzinfo=UTC)))
    rng, now = random.Random(3), rt.clock.now()
    records = [EnterpriseRecord(uscc=uscc.random_uscc(rng, "500106"), uscc_warning=None, name=f"第{i}电器厂",
                                entity_type="enterprise", legal_rep=None, address=None, division_code="500106",
                                industry_code="3851", registration_authority=None, established_date=None,
                                status="active", registered_capital=None, former_names=()) for i in range(4)]
    with rt.db.begin() as s:
        upsert_enterprises(s, records, Actor.system(), now, "test")
        lab_id = directory.register_lab(s, Actor.system(), now, cma_number="240012345670", name="检测中心",
                                        scope=[]).id
        lab = Actor(2, "lab", "lab-cli", lab_id)
        ids = list(s.scalars(select(Enterprise.id).order_by(Enterprise.id)))
        service.create_plan(s, REG, now, code="P-2024", title="2024年抽查", level="district", jurisdiction="500106",
                            period_start=date(2024, 1, 1), period_end=date(2024, 12, 31), categories=["E"])
        for n, (category, verdict) in enumerate((("E01", "pass"), ("E01", "fail"), ("E02", "pass"), ("E02", None))):
            sample = service.register_sample(s, REG, now, "P-2024", service.SampleIn(
                code=f"S-{n}", enterprise_id=ids[n], category=category, product=f"产品{n}",
                sampled_on=date(2024, 2, 20), place="market", sampler="张三", lab_id=lab_id))
            if verdict:
                draft = reports.save_draft(s, lab, now, sample.id, f"R-{n}", ITEMS[verdict])
                reports.sign_off(s, lab, now, rt.today(), draft.id)
                service.notify(s, REG, now, sample.id, date(2024, 3, 4), rt.calendar)


def test_confirm_due_and_the_pass_rate_table(committed):
    engine, env = committed
    _seed(engine)
    empty = zl(env, "sampling", "pass-rates")
    assert empty.returncode == 0 and "no confirmed results" in empty.stdout
    first = zl(env, "sampling", "confirm-due")
    assert first.returncode == 0, first.stderr
    assert first.stdout.startswith("confirmed 3 ")
    assert zl(env, "sampling", "confirm-due").stdout.startswith("confirmed 0 ")  # once only

    table = zl(env, "sampling", "pass-rates", "--by", "category,quarter")
    assert table.returncode == 0, table.stderr
    lines = table.stdout.splitlines()
    assert lines[0].split()[:3] == ["E01", "2024-Q1", "1/2"] and "unstable" in lines[0]
    as_csv = zl(env, "sampling", "pass-rates", "--by", "category", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(as_csv.stdout)))
    assert [(r["category"], r["tested"], r["passed"], r["rate"]) for r in rows] == [
        ("E01", "2", "1", "0.5000"), ("E02", "1", "1", "1.0000")]
    assert 0 < float(rows[0]["low"]) < 0.5 < float(rows[0]["high"]) < 1 and rows[0]["unstable"] == "yes"
    narrowed = zl(env, "sampling", "pass-rates", "--by", "quarter", "--category", "E02", "--since", "2024-01-01",
                  "--format", "csv")
    assert list(csv.DictReader(io.StringIO(narrowed.stdout)))[0]["tested"] == "1"

    bad = zl(env, "sampling", "pass-rates", "--by", "colour")
    assert bad.returncode == 1 and "--by" in bad.stderr and "colour" in bad.stderr and "Traceback" not in bad.stderr
    bad_day = zl(env, "sampling", "pass-rates", "--since", "2024-02-30")
    assert bad_day.returncode == 1 and "--since" in bad_day.stderr

"""The demo city's credit records and classes (信用监管), through the credit module's use cases.

* administrative penalties for about 3 % of enterprises (a deterministic pick by a hash of seed and USCC), dated
  over the last two years, with decision numbers of the district bureaus; a fifth set heavier (从重);
* abnormal-operation listings (经营异常名录) for about 1 %, a third of them since removed;
* the certificate and inspection events of the city taken in as records (``credit.service.ingest``);
* one reclassification of every enterprise with the default model, so classes follow the records: holders of a
  valid certificate come out A, penalised ones C or D.

No serious-violation listing is made: the published list stays empty until a regulator lists someone. Idempotent:
records are added only when their decision number (or listing key) is missing, and the reclassification changes
nothing the second time.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from zhiliang.credit import scoring, service
from zhiliang.credit.models import CreditRecord
from zhiliang.demo.generate import unit
from zhiliang.kernel.auth import Actor
from zhiliang.kernel.runtime import Runtime
from zhiliang.registry.domain import EnterpriseRecord
from zhiliang.registry.queries import enterprise_by_uscc

BASES = ("《产品质量法》第四十九条", "《食品安全法》第一百二十四条", "《广告法》第五十五条", "《价格法》第四十二条",
         "《计量法》第二十七条")


@dataclass(frozen=True)
class CreditTally:
    penalties: int
    listings: int
    changed: int
    distribution: dict[str, int]


def load(rt: Runtime, seed: int, enterprises: Iterable[EnterpriseRecord], echo: Callable[[str], Any]) -> CreditTally:
    """Add the demo records and reclassify (see the module docstring)."""
    actor = Actor.system("demo")
    the_model = service.model(rt.settings)
    today, now = rt.today(), rt.clock.now()
    penalties = listings = 0
    with rt.db.begin() as session:
        known = set(session.scalars(select(CreditRecord.decision_no).where(CreditRecord.source == f"demo:{seed}")))
        for record in enterprises:
            p, q = unit(seed, "penalty", record.uscc), unit(seed, "abnormal", record.uscc)
            if p >= 0.03 and q >= 0.01:
                continue
            enterprise = enterprise_by_uscc(session, record.uscc)
            if enterprise is None:
                continue
            district = (record.division_code or "500000")[4:6]
            if p < 0.03:
                decision = f"渝{district}市监罚〔{today.year - (p < 0.012)}〕{int(p * 1e6) % 900 + 100}号"
                if decision not in known:
                    service.add_record(session, actor, now, today, the_model, enterprise.id, service.RecordIn(
                        indicator="admin_penalty", occurred_on=today - timedelta(days=int(p / 0.03 * 700)),
                        decision_no=decision, legal_basis=BASES[int(p * 1e4) % len(BASES)],
                        amount=Decimal(5000 + int(p * 1e7) % 200_000), heavier=p < 0.006),
                        source=f"demo:{seed}")
                    known.add(decision)
                    penalties += 1
            if q < 0.01:
                key = f"异常名录:{record.uscc}"
                if key not in known:
                    listed = today - timedelta(days=int(q / 0.01 * 600))
                    service.add_record(session, actor, now, today, the_model, enterprise.id, service.RecordIn(
                        indicator="abnormal_operation", occurred_on=listed, decision_no=key,
                        ended_on=listed + timedelta(days=120) if q < 0.0033 and listed + timedelta(days=120) <= today
                        else None, legal_basis="《企业信息公示暂行条例》第十七条"), source=f"demo:{seed}")
                    known.add(key)
                    listings += 1
    with rt.db.begin() as session:
        while service.ingest(session, now):
            pass
        result = scoring.reclassify(session, the_model, today, now, actor)
    echo(f"credit 信用: {penalties} penalties and {listings} abnormal-operation listings added; reclassified "
         f"{result.changed:,} enterprises; classes {result.distribution}")
    return CreditTally(penalties, listings, result.changed, result.distribution)

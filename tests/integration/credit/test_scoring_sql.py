"""The model stated as SQL (``domain.score_sql``, what the reclassification runs) gives every enterprise the score
and class that ``domain.score`` gives record by record, on SQLite and PostgreSQL."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest
from sqlalchemy import select, text

from zhiliang.credit import domain, scoring, service
from zhiliang.credit.models import CreditRecord
from zhiliang.kernel.auth import Actor
from zhiliang.registry import uscc
from zhiliang.registry.domain import EnterpriseRecord
from zhiliang.registry.models import Enterprise
from zhiliang.registry.service import upsert_enterprises


def test_sql_scores_equal_the_record_by_record_scores(rt):
    rng = random.Random(9)
    today = rt.today()
    records = [EnterpriseRecord(uscc=uscc.random_uscc(rng, "500106"), uscc_warning=None, name=f"测试{i}厂",
                                entity_type="enterprise", legal_rep=None, address=None, division_code="500106",
                                industry_code=None, registration_authority=None, established_date=None,
                                status="active", registered_capital=None, former_names=()) for i in range(40)]
    the_model = service.model(rt.settings)
    codes = [c for c, i in the_model.indicators.items() if i.max_count is None] + ["unknown_indicator"]
    with rt.db.begin() as s:
        upsert_enterprises(s, records, Actor.system(), rt.clock.now(), "test")
        ids = list(s.scalars(select(Enterprise.id).order_by(Enterprise.id)))
        for _ in range(1500):
            occurred = today - timedelta(days=rng.randrange(-3, 2100))
            ended = rng.choice([None, None, occurred + timedelta(days=rng.randrange(0, 900))])
            s.add(CreditRecord(enterprise_id=rng.choice(ids), indicator=rng.choice(codes), occurred_on=occurred,
                               ended_on=ended, heavier=rng.random() < 0.3, serious=False, special_field=False,
                               summary="", source="test", status=rng.choice(["active"] * 9 + ["revoked"]),
                               created_by="test", created_at=rt.clock.now()))
    with rt.db.begin() as s:
        dialect = s.bind.dialect.name
        param = "%(today)s" if dialect == "postgresql" else ":today"
        sql = (f"SELECT enterprise_id, SUM({domain.score_sql(the_model, dialect)}) FROM credit_record "
               f"WHERE status <> 'revoked' GROUP BY enterprise_id")
        cursor = s.connection().connection.dbapi_connection.cursor()
        cursor.execute(sql, domain.score_params(the_model, today))
        by_sql = {row[0]: the_model.baseline + row[1] for row in cursor.fetchall()}
        assert param in domain.score_sql(the_model, dialect)
        for enterprise_id in ids:
            expected = scoring.explain(s, the_model, enterprise_id, today)
            assert by_sql.get(enterprise_id, the_model.baseline) == pytest.approx(expected.score, abs=1e-9)
        result = scoring.reclassify(s, the_model, today, rt.clock.now())
        stored = dict(s.execute(text("SELECT id, risk_class FROM enterprise")).all())
        for enterprise_id in ids:
            assert stored[enterprise_id] == scoring.explain(s, the_model, enterprise_id, today).risk_class
    assert result.changed == sum(1 for i in ids if stored[i] != "B")
    assert domain.class_sql(the_model, "x").count("WHEN") == len(the_model.classes) - 1

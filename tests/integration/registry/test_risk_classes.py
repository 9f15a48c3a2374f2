"""Credit-risk classes written into the registry in chunks: applied by the last chunk (one set-based UPDATE on
PostgreSQL), every chunk's pairs kept; bad classes refused before anything is written."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from support import district_enterprises

from zhiliang.kernel.auth import Actor
from zhiliang.registry.models import Enterprise
from zhiliang.registry.service import set_risk_classes, upsert_enterprises


def classes(rt):
    with rt.db.read() as s:
        return [c for (c,) in s.execute(select(Enterprise.risk_class).order_by(Enterprise.id))]


def test_chunks_are_applied_together_by_the_last(rt, dialect):
    with rt.db.begin() as s:
        upsert_enterprises(s, district_enterprises(3, 6), Actor.system(), rt.clock.now(), "test")
        ids = list(s.scalars(select(Enterprise.id).order_by(Enterprise.id)))
    with rt.db.begin() as s:
        set_risk_classes(s, [(ids[0], "A"), (ids[1], "C")], last=False)
        if dialect == "postgresql":  # staged, not yet applied
            assert [c for (c,) in s.execute(select(Enterprise.risk_class).order_by(Enterprise.id))][:2] == ["B", "B"]
        set_risk_classes(s, [(ids[4], "D")], last=False)
        set_risk_classes(s, [], last=True)
    assert classes(rt) == ["A", "C", "B", "B", "D", "B"]
    with rt.db.begin() as s, pytest.raises(ValueError):
        set_risk_classes(s, [(ids[2], "E")])
    assert classes(rt) == ["A", "C", "B", "B", "D", "B"]

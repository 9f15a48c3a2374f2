"""Datasets and analyses on a real database (issue 9 point 3): stored per enterprise with their audit entries and
events, nothing stored when the input is bad, and the tenant rules as a full matrix."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from zhiliang.kernel.audit import AuditEntry
from zhiliang.kernel.auth import Actor
from zhiliang.kernel.errors import DomainError
from zhiliang.kernel.events import Event
from zhiliang.tqm import policy, queries, service
from zhiliang.tqm.analysis import Params
from zhiliang.tqm.models import Analysis, Dataset

OWNER = Actor(41, "enterprise", "ent-a", 7001)
OTHER = Actor(42, "enterprise", "ent-b", 7002)
ADMIN = Actor(43, "admin", "admin")
REGULATOR = Actor(44, "regulator", "reg", None, "500106", "市场监管局")
PUBLIC = Actor.public()
CB = Actor(45, "cb", "cb", 7001)


def csv(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "d.csv"
    path.write_text(text, encoding="utf-8")
    return path


GOOD = "样本,x1,x2,x3\n" + "".join(f"{i},{10 + i % 3},{11 - i % 2},{10.5 + (i % 4) / 4}\n" for i in range(1, 26))


def counts(session) -> tuple[int, int, int, int]:
    return tuple(session.scalar(select(func.count()).select_from(t)) for t in (Dataset, Analysis, Event, AuditEntry))


def test_upload_and_analyse_stores_both_with_events(rt, tmp_path):
    with rt.db.begin() as s:
        made = service.upload_and_analyse(s, OWNER, rt.clock.now(), csv(tmp_path, GOOD),
                                          Params("xbar-r", columns=("x1", "x2", "x3")), name="轴径", file_name="d.csv")
    with rt.db.read() as s:
        dataset = s.get(Dataset, made.dataset_id)
        assert (dataset.enterprise_id, dataset.name, dataset.row_count) == (7001, "轴径", 25)
        assert dataset.columns[0] == ["样本", "A", "number"]
        stored = queries.analysis(s, OWNER, made.id)
        assert stored.result["panels"][0]["kind"] == "xbar" and len(stored.result["labels"]) == 25
        types = [e.type for e in s.scalars(select(Event).where(Event.entity == "enterprise:7001").order_by(Event.seq))]
        assert types == ["tqm.DatasetUploaded", "tqm.AnalysisMade"]
        event = s.scalars(select(Event).where(Event.type == "tqm.AnalysisMade")).one()
        # The enterprise's figures are its own: only the id is public, the rest committed in the private part.
        assert set(event.payload) == {"analysis_id"} and event.private["points"] == 25
        assert "values" not in event.private  # and no process data at all
        tags = set(s.scalars(select(AuditEntry.tag).where(AuditEntry.entity_type.like("tqm_%"))))
        assert tags == {"tqm:dataset:add", "tqm:analysis:add"}
    with rt.db.begin() as s:  # a second analysis of the stored dataset, with specification limits
        again = service.analyse_dataset(s, OWNER, rt.clock.now(), made.dataset_id,
                                        Params("capability", columns=("x1", "x2", "x3"), lsl=8, usl=13))
        assert again.result["capability"]["cp"]["value"] > 0


@pytest.mark.parametrize("text, params, field", [
    ("x\n1\nabc\n", Params("i-mr", columns=("x",)), "file/3/A"),
    (GOOD, Params("capability", columns=("x1",), lsl=13, usl=8), "lsl"),
    ("d,n\n1,10\n-2,10\n", Params("p", columns=("d",), size_column="n"), "file/3/A"),
])
def test_bad_input_leaves_nothing_behind(rt, tmp_path, text, params, field):
    with rt.db.read() as s:
        before = counts(s)
    with pytest.raises(DomainError) as info, rt.db.begin() as s:
        service.upload_and_analyse(s, OWNER, rt.clock.now(), csv(tmp_path, text), params, name="", file_name="d.csv")
    assert info.value.status == 422 and info.value.field == field
    with rt.db.read() as s:
        assert counts(s) == before


def test_tenant_rules(rt, tmp_path):
    with rt.db.begin() as s:
        made = service.upload_and_analyse(s, OWNER, rt.clock.now(), csv(tmp_path, GOOD),
                                          Params("i-mr", columns=("x1",)), name="a", file_name="d.csv")
        mine = service.upload_and_analyse(s, OTHER, rt.clock.now(), csv(tmp_path, GOOD),
                                          Params("i-mr", columns=("x1",)), name="b", file_name="d.csv")
    with rt.db.read() as s:
        assert {d.id for d in queries.datasets(s, OWNER)} == {made.dataset_id}
        assert {d.id for d in queries.datasets(s, ADMIN)} >= {made.dataset_id, mine.dataset_id}
        assert {a.id for a in queries.analyses(s, ADMIN, 7002)} == {mine.id}
        assert {a.id for a in queries.analyses(s, OTHER, 7001)} == {mine.id}  # the enterprise_id asked is ignored
        for actor in (OTHER, REGULATOR, PUBLIC, CB):
            with pytest.raises(DomainError) as info:
                queries.analysis(s, actor, made.id)
            assert info.value.status == 404  # what one may not see does not exist
        assert queries.analysis(s, ADMIN, made.id).id == made.id
        for actor in (REGULATOR, PUBLIC, CB):
            with pytest.raises(DomainError) as info:
                queries.datasets(s, actor)
            assert info.value.status == 403
    for actor, status in ((OTHER, 404), (ADMIN, 403), (REGULATOR, 404)):
        with pytest.raises(DomainError) as info, rt.db.begin() as s:
            service.analyse_dataset(s, actor, rt.clock.now(), made.dataset_id, Params("i-mr", columns=("x1",)))
        assert info.value.status == status, actor


def test_policy_matrix():
    cases = {OWNER: (True, True, False), OTHER: (True, False, False), ADMIN: (False, True, True),
             REGULATOR: (False, False, False), PUBLIC: (False, False, False), CB: (False, False, False),
             Actor(46, "enterprise", "unbound"): (False, False, False)}
    for actor, (write, read_own, read_other) in cases.items():
        assert policy.can_write(actor) is write, actor
        assert policy.can_read(actor, 7001) is read_own, actor
        assert policy.can_read(actor, 9999) is read_other, actor
        assert policy.can_write_for(actor, 7001) is (write and actor.tenant_id == 7001), actor


def test_the_tables_are_under_the_ledger_audit(rt, tmp_path):
    from sqlalchemy import text

    from zhiliang.app import audited_tables
    from zhiliang.ledger import audit, note
    from zhiliang.ledger import service as ledger

    with rt.db.begin() as s:
        made = service.upload_and_analyse(s, OWNER, rt.clock.now(), csv(tmp_path, GOOD),
                                          Params("xbar-r", columns=("x1", "x2", "x3")), name="轴径", file_name="d.csv")
    signer = note.Signer.generate("t.example/log")
    ledger.catch_up(rt.db, signer, "t.example/log", rt.clock)
    with rt.db.read() as s:
        assert audit.run(s, signer.verifier(), audited_tables()).ok
    with rt.db.begin() as s:
        s.execute(text("UPDATE tqm_dataset SET file_sha256 = :h WHERE id = :i"), {"h": "0" * 64, "i": made.dataset_id})
        s.execute(text("UPDATE tqm_analysis SET chart = 'i-mr' WHERE id = :i"), {"i": made.id})
    with rt.db.read() as s:
        wheres = sorted(f.where for f in audit.run(s, signer.verifier(), audited_tables()).findings)
    assert wheres == [f"tqm_analysis:{made.id}.chart", f"tqm_dataset:{made.dataset_id}.file_sha256"]

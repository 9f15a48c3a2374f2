"""Licences (许可证) and tags (标签) of market entities: read from import files, kept as sorted sets, audited as
fields of the enterprise, mirrored in enterprise_label for the inspection pool, exported so they import back."""

from __future__ import annotations

import csv
import io
import random

from sqlalchemy import select, text

from zhiliang.app import audited_tables
from zhiliang.kernel.auth import Actor
from zhiliang.kernel.events import Event
from zhiliang.ledger import audit, note
from zhiliang.ledger import service as ledger
from zhiliang.registry import importing, queries, uscc, views
from zhiliang.registry.models import Enterprise, EnterpriseLabel, ImportRowError

HEAD = "统一社会信用代码,企业名称,登记状态,许可证,标签\n"


def codes(n: int) -> list[str]:
    rng = random.Random(11)
    return [uscc.random_uscc(rng, "500106") for _ in range(n)]


def write(path, rows):
    path.write_text(HEAD + "".join(",".join(r) + "\n" for r in rows), encoding="utf-8")
    return path


def labels(rt):
    with rt.db.read() as s:
        return sorted(s.execute(select(EnterpriseLabel.kind, EnterpriseLabel.value, EnterpriseLabel.enterprise_id)))


def test_import_reads_licences_and_tags_and_a_reimport_changes_nothing(rt, tmp_path):
    a, b, c = codes(3)
    path = write(tmp_path / "l.csv", [
        (a, "甲食品厂", "存续", '"食品生产许可证:sc10631011500123; food_business:JY15001060000001"', "重点监管、学校食堂"),
        (b, "乙五金厂", "存续", "工业产品生产许可证:XK13-014-00001", ""),
        (c, "丙商行", "存续", "", "重点监管"),
    ])
    first = importing.import_enterprises(rt, path, Actor.system())
    assert (first.created, first.rejected) == (3, 0)
    with rt.db.read() as s:
        rows = {e.uscc: e for e in s.scalars(select(Enterprise))}
        ids = {u: e.id for u, e in rows.items()}
    assert rows[a].licences == ["food_business:JY15001060000001", "food_production:SC10631011500123"]
    assert rows[a].tags == ["学校食堂", "重点监管"] and rows[b].tags == [] and rows[c].licences == []
    assert labels(rt) == sorted([("licence", "food_business", ids[a]), ("licence", "food_production", ids[a]),
                                 ("licence", "industrial_product", ids[b]), ("tag", "学校食堂", ids[a]),
                                 ("tag", "重点监管", ids[a]), ("tag", "重点监管", ids[c])])
    with rt.db.read() as s:
        registered = s.scalars(select(Event).where(Event.entity == f"enterprise:{ids[a]}")).one()
    assert registered.payload["tags"] == ["学校食堂", "重点监管"]  # public fields: in the logged payload
    again = importing.import_enterprises(rt, path, Actor.system())
    assert (again.unchanged, again.updated) == (3, 0)


def test_changing_tags_is_an_update_with_its_event_and_labels_follow(rt, tmp_path):
    (a,) = codes(1)
    importing.import_enterprises(rt, write(tmp_path / "1.csv", [(a, "甲食品厂", "存续", "", "重点监管")]),
                                 Actor.system())
    second = importing.import_enterprises(rt, write(tmp_path / "2.csv", [(a, "甲食品厂", "存续", "", "学校食堂")]),
                                          Actor.system())
    assert second.updated == 1
    with rt.db.read() as s:
        eid = s.scalar(select(Enterprise.id))
        changed = s.scalars(select(Event).where(Event.type == "registry.EnterpriseChanged")).one()
    assert changed.payload["tags"] == ["学校食堂"]
    assert labels(rt) == [("tag", "学校食堂", eid)]
    slim = tmp_path / "3.csv"  # a file without the columns keeps them
    slim.write_text(f"统一社会信用代码,企业名称,登记状态\n{a},甲食品厂,吊销\n", encoding="utf-8")
    assert importing.import_enterprises(rt, slim, Actor.system()).updated == 1
    assert labels(rt) == [("tag", "学校食堂", eid)]


def test_bad_licences_and_tags_are_located_row_errors_and_format_slips_are_warnings(rt, tmp_path):
    a, b, c, d = codes(4)
    path = write(tmp_path / "bad.csv", [
        (a, "甲", "存续", "钓鱼许可证:123", ""),             # unknown kind: error
        (b, "乙", "存续", "食品生产许可证", ""),              # no number: error
        (c, "丙", "存续", "", "一个远远超过二十个字符限制的非常非常长的监管标签"),  # tag too long: error
        (d, "丁", "存续", "食品生产许可证:SC123", ""),         # off the national format: kept, warned
    ])
    outcome = importing.import_enterprises(rt, path, Actor.system())
    assert (outcome.created, outcome.rejected) == (1, 3)
    with rt.db.read() as s:
        problems = {(r.row, r.code, r.severity) for r in s.scalars(select(ImportRowError))}
        kept = s.scalar(select(Enterprise.licences))
        messages = [r.reason_zh for r in s.scalars(select(ImportRowError).where(ImportRowError.row == 2))]
    assert problems == {(2, "licences.kind", "error"), (3, "licences.number", "error"),
                        (4, "tags.too_long", "error"), (5, "licences.number_format", "warning")}
    assert kept == ["food_production:SC123"]
    assert "钓鱼许可证" in messages[0] and "食品生产许可证" in messages[0]  # names the kind and the known ones


def test_export_writes_lists_the_import_reads_back(rt, tmp_path):
    (a,) = codes(1)
    importing.import_enterprises(rt, write(tmp_path / "1.csv", [
        (a, "甲食品厂", "存续", '"食品生产许可证:SC10631011500123;食品经营许可证:JY15001060000001"', "重点监管;学校食堂")]),
        Actor.system())
    with rt.db.read() as s:
        rows = list(views.export_rows(s, queries.EnterpriseFilter()))
    headers = [h for _, h in views.ENTERPRISE_EXPORT]
    out = io.StringIO()
    csv.writer(out).writerows([headers, *rows])
    back = tmp_path / "export.csv"
    back.write_text(out.getvalue(), encoding="utf-8")
    assert importing.import_enterprises(rt, back, Actor.system()).unchanged == 1


def test_the_ledger_audit_names_tags_changed_outside_the_platform(rt, tmp_path):
    (a,) = codes(1)
    importing.import_enterprises(rt, write(tmp_path / "1.csv", [(a, "甲食品厂", "存续", "", "重点监管")]),
                                 Actor.system())
    signer = note.Signer.generate("t.example/log")
    ledger.catch_up(rt.db, signer, "t.example/log", rt.clock)
    with rt.db.begin() as s:
        eid = s.scalar(select(Enterprise.id))
        s.execute(text("UPDATE enterprise SET tags = :t WHERE id = :i"), {"t": '["已整改"]', "i": eid})
    with rt.db.read() as s:
        report = audit.run(s, signer.verifier(), audited_tables())
    assert [f.where for f in report.findings] == [f"enterprise:{eid}.tags"]

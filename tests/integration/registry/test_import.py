from __future__ import annotations

import random
from pathlib import Path

import pytest
from sqlalchemy import func, select

from zhiliang.kernel.audit import AuditEntry
from zhiliang.kernel.auth import Actor
from zhiliang.kernel.errors import DomainError
from zhiliang.kernel.events import Event
from zhiliang.registry import importing, queries, uscc
from zhiliang.registry.models import Enterprise, ImportJob, ImportRowError

HEADER = "统一社会信用代码,企业名称,法定代表人,住所,行业代码,登记机关,成立日期,登记状态,注册资本\n"


def codes(n: int, seed: int = 7) -> list[str]:
    rng = random.Random(seed)
    return [uscc.random_uscc(rng, "500106") for _ in range(n)]


def write_csv(path: Path, rows: list[str], encoding: str = "utf-8") -> Path:
    path.write_text(HEADER + "".join(r + "\n" for r in rows), encoding=encoding)
    return path


def good_rows(n: int, seed: int = 7) -> list[str]:
    return [
        f"{c},沙坪坝区恒达食品{i}号有限公司,张三,重庆市沙坪坝区{i}号,C1391,沙坪坝区市场监督管理局,"
        f"2019-03-0{1 + i % 9},存续,100"
        for i, c in enumerate(codes(n, seed))
    ]


def count(rt, model) -> int:
    with rt.db.read() as s:
        return s.scalar(select(func.count()).select_from(model))


def test_import_good_rows_then_reimport_changes_nothing(rt, tmp_path):
    path = write_csv(tmp_path / "e.csv", good_rows(250))
    first = importing.import_enterprises(rt, path, Actor.system())
    assert (first.created, first.rejected, first.status) == (250, 0, "done")
    events, audits = count(rt, Event), count(rt, AuditEntry)
    second = importing.import_enterprises(rt, path, Actor.system())
    assert (second.created, second.updated, second.unchanged) == (0, 0, 250)
    assert count(rt, Event) == events
    assert count(rt, AuditEntry) == audits + 2  # only the job's own start/finish entries
    assert count(rt, Enterprise) == 250


def test_gbk_file_and_row_errors_are_reported(rt, tmp_path):
    rows = good_rows(3) + [
        "91500106MA5U000000,坏代码公司,李四,,,,,存续,",
        f"{codes(1, 99)[0]},<script>alert(1)</script>'; DROP TABLE enterprise;--,王五,,,,2099-01-01,存续,",
        f"{codes(1, 98)[0]},,王五,,,,,未知,abc",
    ]
    path = write_csv(tmp_path / "gbk.csv", rows, encoding="gbk")
    outcome = importing.import_enterprises(rt, path, Actor.system())
    assert (outcome.created, outcome.rejected) == (3, 3)
    with rt.db.read() as s:
        errors = queries.import_errors(s, outcome.job_id)
        job = s.get(ImportJob, outcome.job_id)
    assert job.encoding == "gb18030"
    by_row = {(e.row, e.code) for e in errors}
    assert (5, "uscc.check_digit") in by_row
    assert (6, "date.range") in by_row
    assert {(7, "name.missing"), (7, "status.unknown"), (7, "capital.invalid")} <= by_row
    assert all(e.reason_zh and e.reason_en for e in errors)


def test_script_and_sql_in_names_are_stored_as_given(rt, tmp_path):
    name = "<script>alert(1)</script>'; DROP TABLE enterprise;--公司"
    path = write_csv(tmp_path / "x.csv", [f"{codes(1, 5)[0]},{name},,,,,,存续,"])
    importing.import_enterprises(rt, path, Actor.system())
    with rt.db.read() as s:
        assert s.scalar(select(Enterprise.name)) == name


def test_duplicate_uscc_rejects_every_occurrence(rt, tmp_path):
    c = codes(2)
    rows = [f"{c[0]},甲公司,,,,,,存续,", f"{c[1]},乙公司,,,,,,存续,", f"{c[0].lower()},丙公司,,,,,,存续,"]
    outcome = importing.import_enterprises(rt, write_csv(tmp_path / "d.csv", rows), Actor.system())
    assert (outcome.created, outcome.rejected) == (1, 2)
    with rt.db.read() as s:
        dup_rows = sorted(e.row for e in queries.import_errors(s, outcome.job_id) if e.code == "uscc.duplicate")
    assert dup_rows == [2, 4]


def test_org_code_warning_is_stored_visibly(rt, tmp_path):
    first17 = "91500106" + "MA5U0000" + "1"  # embedded GB 11714 check digit deliberately wrong
    if uscc.org_check_digit("MA5U0000") == "1":
        first17 = first17[:-1] + "2"
    code = first17 + uscc.check_digit(first17)
    outcome = importing.import_enterprises(
        rt, write_csv(tmp_path / "w.csv", [f"{code},试点公司,,,,,,存续,"]), Actor.system()
    )
    assert (outcome.created, outcome.warnings) == (1, 1)
    with rt.db.read() as s:
        assert s.scalar(select(Enterprise.uscc_warning)) == "uscc.org_code_check"


@pytest.mark.parametrize(
    "content,code",
    [
        (b"", "file.empty"),
        ("统一社会信用代码,企业名称\n".encode("utf-16"), "file.encoding"),
        (b"\xff\xfe\xfa\xfb garbage \x81\x00\x00", "file.encoding"),
        ('统一社会信用代码,企业名称,登记状态\n"91500106,未闭合的引号,存续\n'.encode(), "file.csv"),
        ("名称,地址\n甲,乙\n".encode(), "import.columns"),
    ],
)
def test_unreadable_files_write_nothing(rt, tmp_path, content, code):
    path = tmp_path / "bad.csv"
    path.write_bytes(content)
    with pytest.raises(DomainError) as info:
        importing.import_enterprises(rt, path, Actor.system())
    assert info.value.code == code
    assert info.value.zh and info.value.en
    assert count(rt, Enterprise) == 0 and count(rt, ImportJob) == 0


def test_interrupted_import_resumes_without_duplicates(rt, tmp_path):
    path = write_csv(tmp_path / "big.csv", good_rows(450))
    calls = []

    def interrupt(n: int) -> None:
        calls.append(n)
        if len(calls) == 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        importing.import_enterprises(rt, path, Actor.system(), progress=interrupt)
    assert count(rt, Enterprise) == 200  # two batches of 100 committed, nothing of the third
    outcome = importing.import_enterprises(rt, path, Actor.system())
    assert outcome.resumed_from == 200
    assert count(rt, Enterprise) == 450
    with rt.db.read() as s:
        job = s.get(ImportJob, outcome.job_id)
        assert (job.created, job.rows_done, job.status) == (450, 450, "done")
        assert s.scalar(select(func.count()).select_from(ImportRowError)) == 0


def test_xlsx_import(rt, tmp_path):
    from datetime import datetime

    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["统一社会信用代码", "企业名称", "登记状态", "成立日期", "注册资本"])
    for i, c in enumerate(codes(5)):
        sheet.append([c, f"恒达电子{i}有限公司", "存续", datetime(2020, 1, 2), 50])
    path = tmp_path / "e.xlsx"
    book.save(path)
    outcome = importing.import_enterprises(rt, path, Actor.system())
    assert (outcome.created, outcome.rejected) == (5, 0)
    with rt.db.read() as s:
        assert str(s.scalar(select(Enterprise.established_date))) == "2020-01-02"


def test_a_100_mb_file_with_a_runaway_field_is_refused_in_flat_memory(rt, tmp_path):
    """A 100 MB CSV whose quote never closes (a classic broken export) is refused whole, streaming."""
    import resource

    path = tmp_path / "runaway.csv"
    with path.open("w", encoding="utf-8") as fh:
        fh.write(HEADER)
        fh.write(f'{codes(1)[0]},"恒达')
        chunk = "食品有限公司" * 10_000
        for _ in range(100 * 1024 * 1024 // len(chunk.encode())):
            fh.write(chunk)
    assert path.stat().st_size >= 100 * 1024 * 1024 - 200_000
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with pytest.raises(DomainError) as info:
        importing.import_enterprises(rt, path, Actor.system())
    grown_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    assert info.value.code == "file.csv" and "第 2 行" in info.value.zh and "line 2" in info.value.en
    assert grown_mb < 50, f"reading the file grew memory by {grown_mb:.0f} MB"
    assert count(rt, Enterprise) == 0 and count(rt, ImportJob) == 0


def test_truncated_files_are_refused_whole(rt, tmp_path):
    from openpyxl import Workbook

    book = Workbook()
    book.active.append(["统一社会信用代码", "企业名称", "登记状态"])
    for c in codes(50):
        book.active.append([c, "恒达食品有限公司", "存续"])
    whole = tmp_path / "whole.xlsx"
    book.save(whole)
    cut = tmp_path / "cut.xlsx"
    cut.write_bytes(whole.read_bytes()[: whole.stat().st_size // 2])
    csv_cut = tmp_path / "cut.csv"
    csv_cut.write_bytes((HEADER + f"{codes(1)[0]},恒达食品有限公司,,,,,,存续,\n").encode()[:-3])  # cut inside 续
    for path, code in ((cut, "file.xlsx"), (csv_cut, "file.encoding")):
        with pytest.raises(DomainError) as info:
            importing.import_enterprises(rt, path, Actor.system())
        assert info.value.code == code and path.name in info.value.zh
    assert count(rt, Enterprise) == 0 and count(rt, ImportJob) == 0


def test_regulator_cannot_change_entities_outside_the_jurisdiction_by_import(rt, tmp_path):
    beijing = uscc.random_uscc(random.Random(1), "110101")
    admin_file = tmp_path / "a.csv"
    admin_file.write_text(
        f"统一社会信用代码,企业名称,登记状态,行政区划代码,住所\n{beijing},北京某某有限公司,存续,110101,北京市东城区\n",
        encoding="utf-8",
    )
    importing.import_enterprises(rt, admin_file, Actor.system())
    regulator = Actor(99, "regulator", "r-500106", jurisdiction="500106", department="质量监督科")
    attack = tmp_path / "b.csv"
    attack.write_text(
        f"统一社会信用代码,企业名称,登记状态,行政区划代码\n{beijing},被篡改的名称,注销,500106\n", encoding="utf-8"
    )
    outcome = importing.import_enterprises(rt, attack, regulator)
    assert (outcome.updated, outcome.rejected) == (0, 1)
    with rt.db.read() as s:
        row = s.scalar(select(Enterprise))
        assert (row.name, row.status, row.division_code) == ("北京某某有限公司", "active", "110101")
        assert [e.code for e in queries.import_errors(s, outcome.job_id)] == ["enterprise.outside"]


def test_a_file_with_fewer_columns_keeps_the_other_fields(rt, tmp_path):
    path = write_csv(tmp_path / "full.csv", good_rows(3))
    importing.import_enterprises(rt, path, Actor.system())
    code = codes(3)[0]
    slim = tmp_path / "slim.csv"
    slim.write_text(f"统一社会信用代码,企业名称,登记状态\n{code},沙坪坝区恒达食品0号有限公司,吊销\n", encoding="utf-8")
    outcome = importing.import_enterprises(rt, slim, Actor.system())
    assert outcome.updated == 1
    with rt.db.read() as s:
        row = s.scalar(select(Enterprise).where(Enterprise.uscc == code))
    assert (row.status, row.address, row.industry_code, row.legal_rep) == (
        "revoked",
        "重庆市沙坪坝区0号",
        "1391",
        "张三",
    )


def test_new_former_names_count_as_a_change_and_are_audited(rt, tmp_path):
    code = codes(1)[0]
    first = tmp_path / "f1.csv"
    first.write_text(f"统一社会信用代码,企业名称,登记状态,曾用名\n{code},甲公司,存续,\n", encoding="utf-8")
    importing.import_enterprises(rt, first, Actor.system())
    second = tmp_path / "f2.csv"
    second.write_text(f"统一社会信用代码,企业名称,登记状态,曾用名\n{code},甲公司,存续,乙厂;丙厂\n", encoding="utf-8")
    assert importing.import_enterprises(rt, second, Actor.system()).updated == 1
    assert importing.import_enterprises(rt, second, Actor.system()).unchanged == 1
    with rt.db.read() as s:
        eid = s.scalar(select(Enterprise.id))
        assert sorted(queries.former_names(s, eid)) == ["丙厂", "乙厂"]
        updates = s.scalars(select(AuditEntry).where(AuditEntry.tag == "registry:enterprise:update")).all()
    assert len(updates) == 1 and updates[0].after["former_names"] == ["丙厂", "乙厂"]
    too_long = tmp_path / "f3.csv"
    too_long.write_text(
        f"统一社会信用代码,企业名称,登记状态,曾用名\n{code},甲公司,存续,{'长' * 201}\n", encoding="utf-8"
    )
    assert importing.import_enterprises(rt, too_long, Actor.system()).rejected == 1


@pytest.mark.parametrize(
    "capital,accepted",
    [("100.1234", True), ("9999999999.9999", True), ("100.12345", False), ("10000000000", False), ("-1", False)],
)
def test_capital_is_exact_so_reimport_changes_nothing(rt, tmp_path, capital, accepted):
    path = tmp_path / "c.csv"
    path.write_text(
        f"统一社会信用代码,企业名称,登记状态,注册资本\n{codes(1)[0]},甲公司,存续,{capital}\n", encoding="utf-8"
    )
    first = importing.import_enterprises(rt, path, Actor.system())
    assert first.created == int(accepted) and first.rejected == int(not accepted)
    if accepted:
        assert importing.import_enterprises(rt, path, Actor.system()).unchanged == 1


def test_a_second_run_of_the_same_file_waits_for_the_first(rt, engine, tmp_path):
    from zhiliang.kernel import locks

    path = write_csv(tmp_path / "same.csv", good_rows(3))
    with locks.exclusive(engine, f"import:enterprises:{importing.file_sha256(path)}"):
        with pytest.raises(DomainError) as info:
            importing.import_enterprises(rt, path, Actor.system())
    assert info.value.status == 409 and info.value.zh and count(rt, Enterprise) == 0
    assert importing.import_enterprises(rt, path, Actor.system()).created == 3  # released with its holder

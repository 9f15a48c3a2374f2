"""Process-data files and their analyses, without a database (issue 9 points 3 and 5): the layouts a file may have,
and every kind of bad input named by its file cell or parameter, in Chinese and English; the shipped CJK font covers
every Chinese label the charts and reports write."""

from __future__ import annotations

import re
from importlib.resources import files
from pathlib import Path

import pytest
from tqm_ref import REF, agrees

from zhiliang.kernel.errors import DomainError
from zhiliang.tqm import analysis as analysis_module
from zhiliang.tqm import render, report
from zhiliang.tqm.analysis import Params, analyse, sampling
from zhiliang.tqm.importing import letter, read_table

PISTON = REF["datasets"]["pistonrings"]["phase1_subgroups_1_to_25"]
QCC = REF["qcc_printed"]


def write(tmp_path: Path, text: str, name: str = "data.csv", encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def long_pistonrings(tmp_path: Path, encoding: str = "utf-8") -> Path:
    """One row per measurement with its sample number: the layout a measuring instrument exports."""
    lines = ["样本号,直径,操作员"] + [f"{i + 1},{x},张{i % 3}" for i, group in enumerate(PISTON) for x in group]
    return write(tmp_path, "\n".join(lines) + "\n", encoding=encoding)


def wide_pistonrings(tmp_path: Path) -> Path:
    lines = ["x1,x2,x3,x4,x5"] + [",".join(map(str, group)) for group in PISTON]
    return write(tmp_path, "\n".join(lines) + "\n", "wide.csv")


def raises(fn, *args, **kw) -> DomainError:  # noqa: ANN001
    with pytest.raises(DomainError) as info:
        fn(*args, **kw)
    assert info.value.status == 422 and info.value.zh and info.value.en
    return info.value


def test_column_letters():
    assert [letter(i) for i in (0, 25, 26, 27, 701, 702)] == ["A", "Z", "AA", "AB", "ZZ", "AAA"]


@pytest.mark.parametrize("encoding", ["utf-8", "gbk"])
def test_long_layout_with_a_subgroup_column_reproduces_qcc(tmp_path, encoding):
    table = read_table(long_pistonrings(tmp_path, encoding))
    assert [(c.letter, c.kind) for c in table.columns] == [("A", "number"), ("B", "number"), ("C", "text")]
    result = analyse(table, Params("xbar-r", columns=("直径",), subgroup_column="样本号", lsl=73.95, usl=74.05,
                                   target=74))
    xbar, r = result["panels"]
    assert agrees(xbar["center"][0], QCC["pistonrings_xbar_1_25"]["center"])
    assert agrees(xbar["ucl"][0], QCC["pistonrings_xbar_1_25"]["UCL"], 6)
    assert agrees(r["ucl"][0], QCC["pistonrings_R_1_25"]["UCL"])
    assert result["labels"][:3] == ["1", "2", "3"] and len(result["labels"]) == 25
    cap = QCC["pistonrings_capability_spec_73.95_74.05"]["indices"]
    assert round(result["capability"]["cp"]["value"], 2) == cap["Cp"][0]
    assert round(result["capability"]["cpk"]["lower"], 2) == cap["Cp_k"][1]


def test_wide_layout_equals_the_long_one(tmp_path):
    wide = analyse(read_table(wide_pistonrings(tmp_path)), Params("xbar-s", columns=("A", "B", "C", "D", "E")))
    long = analyse(read_table(long_pistonrings(tmp_path)), Params("xbar-s", columns=("B",), subgroup_size=5))
    assert wide["panels"] == long["panels"]
    assert agrees(wide["panels"][1]["ucl"][0], QCC["pistonrings_S_1_25"]["UCL"])
    assert wide["labels"][0] == "2" and wide["label_kind"] == ["文件行号", "file row"]


def test_xlsx_upload(tmp_path):
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["缺陷类型", "件数"])
    for row in (["划痕", 12], ["气泡", 40], ["毛刺", 7], ["划痕", 3]):
        sheet.append(row)
    book.save(tmp_path / "d.xlsx")
    result = analyse(read_table(tmp_path / "d.xlsx"), Params("pareto", columns=("件数",), category_column="缺陷类型"))
    assert [(r["category"], r["freq"]) for r in result["pareto"]["rows"]] == [("气泡", 40), ("划痕", 15), ("毛刺", 7)]


def test_a_non_numeric_cell_is_named(tmp_path):
    path = write(tmp_path, "批次,直径\n1,74.01\n2,7O.2\n3,74.00\n")
    error = raises(read_table, path)
    assert error.field == "file/3/B" and error.extra == {"row": 3, "column": "B"}
    assert error.zh.startswith("第 3 行 B 列") and error.en.startswith("row 3, column B") and "7O.2" in error.en


def test_a_blank_inside_the_charted_column_is_named(tmp_path):
    table = read_table(write(tmp_path, "x\n1\n2\n\n3\n"))
    assert table.rows == (2, 3, 5)  # the blank row is skipped; rows keep their file numbers
    table = read_table(write(tmp_path, "x,y\n1,1\n2,\n3,3\n"))
    error = raises(analyse, table, Params("i-mr", columns=("y",)))
    assert error.field == "file/3/B" and "空" in error.zh


def test_unequal_subgroups_for_xbar_r_name_the_first_cell_of_the_odd_subgroup(tmp_path):
    text = "x1,x2,x3\n" + "\n".join("1,2,3" if i != 6 else "1,2," for i in range(22)) + "\n"
    table = read_table(write(tmp_path, text))
    error = raises(analyse, table, Params("xbar-r", columns=("x1", "x2", "x3")))
    assert error.code == "tqm.unequal_subgroups" and error.field == "file/8/A" and "2 values" in error.en
    assert analyse(table, Params("xbar-s", columns=("x1", "x2", "x3")))["panels"][0]["kind"] == "xbar"


def test_too_few_subgroups(tmp_path):
    table = read_table(write(tmp_path, "x1,x2\n1,2\n"))
    error = raises(analyse, table, Params("xbar-r", columns=("x1", "x2")))
    assert error.code == "tqm.input.too_few_subgroups" and error.field == "subgroups"
    few = analyse(read_table(write(tmp_path, "x1,x2\n1,2\n2,4\n3,3\n")), Params("xbar-r", columns=("x1", "x2")))
    assert few["warnings"] and "20–25" in few["warnings"][0][1]


def test_negative_and_excessive_counts_are_named(tmp_path):
    table = read_table(write(tmp_path, "不合格品数,样本量\n3,50\n-1,50\n2,50\n"))
    error = raises(analyse, table, Params("p", columns=("不合格品数",), size_column="样本量"))
    assert error.code == "tqm.input.negative_count" and error.field == "file/3/A"
    table = read_table(write(tmp_path, "d,n\n3,50\n2,50\n60,50\n"))
    error = raises(analyse, table, Params("np", columns=("d",), size=50))
    assert error.code == "tqm.input.count_exceeds_size" and error.field == "file/4/A"
    table = read_table(write(tmp_path, "c,units\n3,1\n2,0\n"))
    assert raises(analyse, table, Params("u", columns=("c",), size_column="units")).field == "file/3/B"


def test_parameters_at_fault_are_named(tmp_path):
    table = read_table(long_pistonrings(tmp_path))
    cases = [(Params("capability", columns=("直径",), lsl=74.05, usl=73.95), "lsl"),
             (Params("xbar-r", columns=("直径",), subgroup_size=1), "subgroup_size"),
             (Params("xbar-r", columns=("直径",)), "subgroup_size"),
             (Params("radar", columns=("直径",)), "chart"),
             (Params("i-mr", columns=("操作员",)), "columns"),
             (Params("i-mr", columns=("重量",)), "column"),
             (Params("p", columns=("直径",)), "size"),
             (Params("ewma", columns=("直径",), lam=2.0), "lam")]
    for params, field in cases:
        assert raises(analyse, table, params).field == field, params


def test_a_repeated_header_and_an_empty_file(tmp_path):
    assert raises(read_table, write(tmp_path, "x,x\n1,2\n")).field == "file/1/B"
    assert raises(read_table, write(tmp_path, "x,y\n")).code == "tqm.empty"
    assert raises(read_table, write(tmp_path, "x\n1,5\n")).field == "file/2/B"


def test_every_chart_type_runs_with_rules_reported(tmp_path):
    lines = ["x,d,n,c"] + [f"{10 + (i % 7) * 0.3 + (3 if i == 15 else 0)},{i % 5},{40 + i % 3},{i % 6}"
                           for i in range(30)]
    table = read_table(write(tmp_path, "\n".join(lines) + "\n"))
    for chart, extra in [("i-mr", {}), ("ewma", {}), ("cusum", {}), ("c", {}), ("u", {"size_column": "n"}),
                         ("p", {"size_column": "n"}), ("np", {"size": 60}), ("capability", {"usl": 20.0})]:
        column = {"c": "c", "u": "c", "p": "d", "np": "d"}.get(chart, "x")
        result = analyse(table, Params(chart, columns=(column,), **extra))
        assert len(result["labels"]) == 30 and result["summary"]
    imr = analyse(table, Params("i-mr", columns=("x",)))
    assert [15, "N1"] in imr["panels"][0]["violations"]  # the point 3 units up, beyond 3σ


def test_sampling_plan_and_its_errors():
    plan = sampling(1000, "II", "0.65")
    assert (plan["code_letter"], plan["n"], plan["ac"], plan["re"]) == ("J", 80, 1, 2)
    assert plan["oc"][0] == [0.0, 1.0] and plan["p95"] < plan["p10"]
    for args, field in [((1, "II", "0.65"), "lot"), ((1000, "IV", "0.65"), "level"), ((1000, "II", "0.7"), "aql"),
                        ((1000, "II", "0.65", "lenient"), "severity")]:
        assert raises(sampling, *args).field == field


def test_the_shipped_font_covers_every_chinese_label():
    from fontTools.ttLib import TTFont

    font = TTFont(str(files("zhiliang.tqm") / "data" / "fonts" / render.FONT_FILE))
    covered = set(map(chr, font.getBestCmap()))
    sources = [Path(m.__file__) for m in (render, report, analysis_module)]
    labels = {ch for path in sources for ch in re.findall(r"[\u4e00-\u9fff]", path.read_text(encoding="utf-8"))}
    assert labels and labels <= covered, sorted(labels - covered)


def test_renderings_carry_the_chinese_labels(tmp_path):
    result = analyse(read_table(long_pistonrings(tmp_path)), Params("xbar-r", columns=("直径",), subgroup_size=5,
                                                                    lsl=73.95, usl=74.05))
    svg = render.svg(result).decode()
    assert "均值-极差控制图" in svg and "<text" in svg  # text kept as text
    png = render.png(result)
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    pdf = report.pdf(result, [("数据集 / dataset", "活塞环")])
    assert pdf.startswith(b"%PDF") and b"NotoSansCJK" in pdf and pdf.count(b"/Type /Page\n") + pdf.count(
        b"/Type /Page ") + pdf.count(b"/Type/Page") >= 1

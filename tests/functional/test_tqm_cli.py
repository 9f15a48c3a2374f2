"""``zhiliang tqm`` as a user runs it (issue 9 points 4 and 5): chart a file into SVG, PNG and a PDF report, look up
a sampling plan, and bad input reported naming the cell or option, exit status 1."""

from __future__ import annotations

import json
import os
from pathlib import Path

from support import zl

PISTON = json.loads((Path(__file__).resolve().parents[1] / "vectors" / "spc_reference.json").read_text(
    encoding="utf-8"))["datasets"]["pistonrings"]["phase1_subgroups_1_to_25"]


def env(tmp_path: Path) -> dict[str, str]:
    return {**os.environ, "ZHILIANG_DATA_DIR": str(tmp_path / "var"),
            "ZHILIANG_DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}"}


def test_chart_a_file_and_a_sampling_plan(tmp_path):
    data = tmp_path / "活塞环.csv"
    data.write_text("样本,直径\n" + "".join(f"{i + 1},{x}\n" for i, g in enumerate(PISTON) for x in g),
                    encoding="gbk")
    run = zl(env(tmp_path), "tqm", "chart", str(data), "--type", "xbar-r", "--columns", "直径", "--subgroup-column",
             "样本", "--lsl", "73.95", "--usl", "74.05", "--out", str(tmp_path / "out" / "pr"))
    assert run.returncode == 1 and "[--out]" in run.stderr and "Traceback" not in run.stderr  # no such folder
    (tmp_path / "out").mkdir()
    run = zl(env(tmp_path), "tqm", "chart", str(data), "--type", "xbar-r", "--columns", "直径", "--subgroup-column",
             "样本", "--lsl", "73.95", "--usl", "74.05", "--out", str(tmp_path / "out" / "pr"))
    assert run.returncode == 0, run.stderr
    assert "均值 控制上限 UCL / X̄ UCL: 74.0143" in run.stdout and "signals 判异: 0" in run.stdout
    assert (tmp_path / "out" / "pr.png").read_bytes()[:4] == b"\x89PNG"
    assert "均值-极差控制图" in (tmp_path / "out" / "pr.svg").read_text(encoding="utf-8")
    assert (tmp_path / "out" / "pr.pdf").read_bytes()[:4] == b"%PDF"

    as_json = zl(env(tmp_path), "tqm", "chart", str(data), "--type", "i-mr", "--columns", "B", "--json",
                 "--format", "svg")
    assert as_json.returncode == 0 and json.loads(as_json.stdout)["panels"][0]["kind"] == "i"

    plan = zl(env(tmp_path), "tqm", "aql", "--lot", "1000", "--level", "II", "--aql", "0.65")
    assert plan.returncode == 0 and "code letter J, n=80 Ac=1 Re=2" in plan.stdout


def test_bad_input_names_the_cell_or_option(tmp_path):
    rows = ["x1,x2,x3"] + [f"{10 + i % 3},{11 - i % 2},{10.5}" for i in range(20)]
    rows[12] = "10,abc,10.5"
    data = tmp_path / "d.csv"
    data.write_text("\n".join(rows) + "\n", encoding="utf-8")
    bad = zl(env(tmp_path), "tqm", "chart", str(data), "--type", "xbar-r")
    assert bad.returncode == 1
    assert "第 13 行 B 列" in bad.stderr and "row 13, column B" in bad.stderr and "[file/13/B]" in bad.stderr
    rows[12] = "10,11,"
    data.write_text("\n".join(rows) + "\n", encoding="utf-8")
    unequal = zl(env(tmp_path), "tqm", "chart", str(data), "--type", "xbar-r")
    assert unequal.returncode == 1 and "row 13, column A" in unequal.stderr and "equal size" in unequal.stderr
    limits = zl(env(tmp_path), "tqm", "chart", str(data), "--type", "capability", "--lsl", "12", "--usl", "9")
    assert limits.returncode == 1 and "[lsl]" in limits.stderr and "规格下限" in limits.stderr
    aql = zl(env(tmp_path), "tqm", "aql", "--lot", "1000", "--aql", "0.7")
    assert aql.returncode == 1 and "[aql]" in aql.stderr and "preferred values" in aql.stderr

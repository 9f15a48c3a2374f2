"""The quality tools in a real browser (issue 9 point 7): an enterprise uploads process data with a typo and is told
which cell, fixes it, gets the chart and its one-page report, opens the PDF; the public sampling calculator."""

from __future__ import annotations

import json
from pathlib import Path

from playwright.sync_api import expect

PISTON = json.loads((Path(__file__).resolve().parents[1] / "vectors" / "spc_reference.json").read_text(
    encoding="utf-8"))["datasets"]["pistonrings"]["phase1_subgroups_1_to_25"]


def _login(page, base_url, user, password):
    page.goto(base_url + "/login")
    page.get_by_label("用户名").fill(user)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()


def test_upload_chart_and_report(page, base_url, logins, tmp_path):
    good = tmp_path / "活塞环.csv"
    good.write_text("x1,x2,x3,x4,x5\n" + "".join(",".join(map(str, g)) + "\n" for g in PISTON), encoding="gbk")
    bad = tmp_path / "typo.csv"
    bad.write_text(good.read_text(encoding="gbk").replace("74.002", "74.0o2", 1), encoding="gbk")

    _login(page, base_url, *logins["enterprise"])
    page.get_by_role("link", name="质量工具").click()
    expect(page.get_by_role("heading", name="上传数据并作图")).to_be_visible()
    form = page.get_by_test_id("upload")
    form.get_by_label("数据文件").set_input_files(str(bad))
    form.get_by_label("数据集名称").fill("活塞环内径")
    form.get_by_label("图形").select_option("xbar-r")
    form.get_by_label("数据列", exact=False).fill("x1,x2,x3,x4,x5")
    form.get_by_label("规格下限 LSL").fill("73.95")
    form.get_by_label("规格上限 USL").fill("74.05")
    form.get_by_role("button", name="上传并分析").click()
    expect(page.get_by_test_id("error")).to_contain_text("第 2 行 B 列")
    expect(page.get_by_test_id("error")).to_contain_text("row 2, column B")
    expect(page.get_by_test_id("analysis")).to_have_count(0)  # nothing was stored

    form = page.get_by_test_id("upload")
    expect(form.get_by_label("规格下限 LSL")).to_have_value("73.95")  # the form came back filled in
    form.get_by_label("数据文件").set_input_files(str(good))
    form.get_by_role("button", name="上传并分析").click()
    expect(page.get_by_test_id("report-title")).to_contain_text("均值-极差控制图")
    chart = page.get_by_test_id("chart")
    expect(chart).to_be_visible()
    page.wait_for_function("document.querySelector('[data-testid=chart]').naturalWidth > 0")
    expect(page.get_by_test_id("summary")).to_contain_text("74.0143")
    expect(page.get_by_test_id("capability")).to_contain_text("Cpk")
    expect(page.get_by_test_id("signals")).to_contain_text("未发现异常")

    pdf = page.request.get(base_url + page.get_by_test_id("pdf").get_attribute("href"))
    assert pdf.ok and pdf.headers["content-type"] == "application/pdf" and pdf.body()[:4] == b"%PDF"
    png = page.request.get(base_url + page.get_by_test_id("png").get_attribute("href"))
    assert png.ok and png.body()[:4] == b"\x89PNG"

    page.get_by_role("link", name="返回质量工具").click()
    expect(page.get_by_test_id("analysis")).to_have_count(1)


def test_the_public_sampling_calculator(page, base_url):
    page.goto(base_url + "/tqm/aql")
    page.get_by_label("批量 N").fill("1000")
    page.get_by_label("接收质量限 AQL").fill("0.65")
    page.get_by_role("button", name="查抽样方案").click()
    expect(page.get_by_test_id("code")).to_have_text("J")
    expect(page.get_by_test_id("n")).to_have_text("80")
    expect(page.get_by_test_id("ac")).to_have_text("1")
    expect(page.get_by_test_id("re")).to_have_text("2")
    expect(page.get_by_test_id("oc")).to_be_visible()

"""Supervision sampling in a real browser (issue 7 points 6 and 9): a regulator creates a plan and registers a
sample on the console; the laboratory logs in, enters the items (adding a row), saves and signs the report; the
regulator records the notice; the result is confirmed after its objection window and published; the public
portal shows it with its failing item, and the pass-rate page draws its charts as inline SVG."""

from __future__ import annotations

from datetime import timedelta

from playwright.sync_api import expect
from sqlalchemy import select

from zhiliang.kernel.auth import Actor, User
from zhiliang.sampling import service
from zhiliang.sampling.models import Sample

PLAN, SAMPLE = "E2E-SPB-冰箱", "E2E-S-0001"


def _login(page, base_url, user, password):
    page.goto(base_url + "/login")
    page.get_by_label("用户名").fill(user)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()


def _tenants(rt) -> tuple[int, int]:
    with rt.db.read() as s:
        return (s.scalar(select(User.tenant_id).where(User.username == "demo-enterprise")),
                s.scalar(select(User.tenant_id).where(User.username == "demo-lab")))


def test_from_registration_to_publication(browser, live, base_url):
    _, rt, _ = live
    producer, lab = _tenants(rt)
    today = rt.today()

    staff = browser.new_context(locale="zh-CN")
    page = staff.new_page()
    page.set_default_timeout(15_000)
    _login(page, base_url, "demo-district", "demo-district-2026")
    page.goto(base_url + "/console/sampling/plans")
    page.locator("#code").fill(PLAN)
    page.locator("#title").fill("端到端测试:沙坪坝区家用电冰箱监督抽查")
    page.locator("#period_start").fill((today - timedelta(days=30)).isoformat())
    page.locator("#period_end").fill((today + timedelta(days=300)).isoformat())
    page.select_option("#categories", ["E01"])
    page.get_by_role("button", name="创建计划").click()
    expect(page.get_by_role("heading", name="端到端测试")).to_be_visible()

    page.locator("#sample_code").fill(SAMPLE)
    page.locator("#producer").fill(str(producer))
    page.locator("#product").fill("端到端测试双门冰箱")
    page.locator("#batch").fill("E2E-2026")
    page.locator("#sampled_on").fill(today.isoformat())
    page.locator("#sampler").fill("张三、李四")
    page.select_option("#lab_id", str(lab))
    page.get_by_role("button", name="登记样品").click()
    expect(page.get_by_test_id("sample-status")).to_have_text("已登记")
    sample_url = page.url

    lab_context = browser.new_context(locale="zh-CN")
    bench = lab_context.new_page()
    bench.set_default_timeout(15_000)
    _login(bench, base_url, "demo-lab", "demo-lab-2026")
    bench.goto(base_url + "/lab/sampling")
    bench.get_by_role("link", name=SAMPLE).click()
    bench.get_by_label("报告编号").fill("E2E-R-001")
    rows = [("标志和说明", "GB 4706.1-2005 第7章", "应符合标准要求", "不符合", "", "fail"),
            ("泄漏电流", "GB 4706.1-2005 第13.2条", "≤0.75 mA", "0.21", "mA", "pass"),
            ("能效等级", "GB 12021.2-2015 第5条", "如实标注", "2级", "", "info"),
            ("输入功率", "GB 4706.1-2005 第10.1条", "偏差≤+15%", "+3%", "", "pass")]
    for n, row in enumerate(rows[:3], 1):
        for label, value in zip(("检验项目", "标准条款", "标准要求", "实测值", "单位"), row[:5], strict=True):
            bench.get_by_label(f"{label} {n}", exact=True).fill(value)
        bench.get_by_label(f"单项判定 {n}", exact=True).select_option(row[5])
    bench.get_by_role("button", name="添加一行").click()  # a fourth row; what was typed stays
    expect(bench.get_by_test_id("item-row")).to_have_count(4)
    expect(bench.get_by_label("实测值 1", exact=True)).to_have_value("不符合")
    for label, value in zip(("检验项目", "标准条款", "标准要求", "实测值"), rows[3][:4], strict=True):
        bench.get_by_label(f"{label} 4", exact=True).fill(value)
    bench.get_by_role("button", name="保存草稿").click()
    expect(bench.get_by_test_id("draft").first).to_be_visible()
    expect(bench.get_by_test_id("report-verdict").first).to_have_text("不合格")
    bench.get_by_test_id("sign").click()
    expect(bench.get_by_test_id("sample-status")).to_have_text("已检验")
    expect(bench.get_by_test_id("failing-item")).to_contain_text("标志和说明")
    lab_context.close()

    page.goto(sample_url)
    expect(page.get_by_test_id("sample-verdict")).to_have_text("不合格")
    page.get_by_role("button", name="登记结果送达").click()
    expect(page.get_by_test_id("sample-status")).to_have_text("已送达")
    deadline = page.get_by_test_id("deadline").inner_text()

    # What the daily job does the day after the window (the server's clock is the real one): confirm this result
    # only, leaving the demo city's other notified results to their own windows.
    after = type(today).fromisoformat(deadline) + timedelta(days=1)
    with rt.db.begin() as s:
        sample = s.scalars(select(Sample).where(Sample.code == SAMPLE).with_for_update()).one()
        assert sample.objection_deadline < after and sample.status == "notified"
        service.confirm(s, Actor.system("sampling"), rt.clock.now(), sample, after, "no_objection")
    page.reload()
    expect(page.get_by_test_id("sample-status")).to_have_text("已确认")
    page.goto(base_url + f"/console/sampling/plans/{PLAN}")
    page.get_by_test_id("publish").click()
    expect(page.get_by_test_id("sample-row")).to_contain_text("已公布")
    staff.close()

    public = browser.new_context(locale="zh-CN").new_page()
    public.goto(base_url + "/sampling")
    row = public.get_by_test_id("published-row").filter(has_text=SAMPLE)
    expect(row).to_have_count(1)
    expect(row.get_by_test_id("failing-items")).to_have_text("标志和说明")
    expect(row).to_contain_text("不合格")
    public.goto(base_url + "/sampling/rates")
    expect(public.locator("svg[data-testid=chart-pareto]")).to_be_visible()
    expect(public.locator("svg[data-testid=chart-bars]")).to_be_visible()
    assert public.locator("script[src]").count() == 0  # nothing loaded from anywhere
    assert "标志和说明" in public.locator("[data-testid=pareto]").inner_text()
    public.context.close()

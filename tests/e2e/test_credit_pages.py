"""Credit in a real browser (issue 6 point 8): the public credit profile of a listed enterprise on a phone, and
the repair workflow — one regulator enters an application for early removal, another grants it, and the public
pages stop showing the listing."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from playwright.sync_api import expect
from sqlalchemy import select, update

from zhiliang.credit import service
from zhiliang.credit.models import SeriousListing
from zhiliang.kernel.auth import Actor, User


def _listed_enterprise(rt) -> tuple[int, str]:
    """The demo enterprise login's own enterprise, listed on a serious penalty two years ago."""
    with rt.db.begin() as s:
        enterprise_id = s.scalar(select(User.tenant_id).where(User.username == "demo-enterprise"))
        regulator = Actor(None, "regulator", "e2e-credit", None, "500000", "信用监管科")
        decision = "沙市监罚〔2024〕77号"
        record = service.add_record(s, regulator, rt.clock.now(), rt.today(), service.model(rt.settings),
                                    enterprise_id, service.RecordIn(
                                        indicator="admin_penalty", occurred_on=rt.today() - timedelta(days=800),
                                        decision_no=decision, legal_basis="《产品质量法》第四十九条",
                                        amount=Decimal("200000"), heavier=True, heavier_penalty="heavier_fine",
                                        serious=True))
        listing = service.list_serious(s, regulator, rt.clock.now(), rt.today(), rt.settings, record.id,
                                       "《市场监督管理严重违法失信名单管理办法》第二条、第七条")
        # Set two years back (test setup): early removal is possible after one year.
        s.execute(update(SeriousListing).where(SeriousListing.id == listing.id).values(
            listed_on=rt.today() - timedelta(days=730), ends_on=rt.today() + timedelta(days=365)))
    return enterprise_id, decision


def _login(page, base_url, user, password):
    page.goto(base_url + "/login")
    page.get_by_label("用户名").fill(user)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()


def test_credit_profile_on_a_phone_and_the_repair_workflow(browser, live, base_url):
    _, rt, _ = live
    enterprise_id, decision = _listed_enterprise(rt)

    phone = browser.new_context(viewport={"width": 375, "height": 740}, locale="zh-CN", is_mobile=True)
    public = phone.new_page()
    public.goto(base_url + f"/enterprises/{enterprise_id}")
    expect(public.get_by_text("信用档案")).to_be_visible()
    expect(public.get_by_text("严重违法失信名单 / serious-violation list").first).to_be_visible()
    expect(public.get_by_text(decision)).to_be_visible()
    assert public.evaluate("[window.innerWidth, document.documentElement.scrollWidth]") == [375, 375]
    public.goto(base_url + "/credit/list")
    expect(public.get_by_test_id("listing")).to_have_count(1)

    staff = browser.new_context(locale="zh-CN")
    page = staff.new_page()
    page.set_default_timeout(15_000)
    _login(page, base_url, "demo-district", "demo-district-2026")
    page.goto(base_url + f"/console/credit/enterprises/{enterprise_id}")
    expect(page.get_by_test_id("risk-class")).to_have_text("D")
    page.get_by_label("已履行处罚义务").check()
    page.get_by_label("已消除危害后果").check()
    page.get_by_placeholder("守信承诺书").fill("本企业承诺依法诚信经营。")
    page.get_by_role("button", name="提交提前移出申请").click()
    expect(page.get_by_text("submitted")).to_be_visible()
    page.get_by_role("button", name="准予修复").click()  # the applicant may not review: refused
    expect(page.get_by_text("申请人不能审核自己提交的申请")).to_be_visible()
    staff.close()

    other = browser.new_context(locale="zh-CN")
    page = other.new_page()
    page.set_default_timeout(15_000)
    _login(page, base_url, "demo-city", "demo-city-2026")
    page.goto(base_url + f"/console/credit/enterprises/{enterprise_id}")
    page.get_by_placeholder("审核意见").fill("条件具备")
    page.get_by_role("button", name="准予修复").click()
    expect(page.get_by_text("granted")).to_be_visible()
    expect(page.get_by_text("(repaired")).to_be_visible()
    other.close()

    public.goto(base_url + "/credit/list")
    expect(public.get_by_test_id("listing")).to_have_count(0)
    public.goto(base_url + f"/enterprises/{enterprise_id}")
    expect(public.get_by_text("严重违法失信名单 / serious-violation list")).to_have_count(0)
    phone.close()

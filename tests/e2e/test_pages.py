"""What people do in a real browser: search from the portal on a phone, log in, import a file with bad rows."""

from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import expect

from zhiliang.registry import uscc


def test_public_search_and_profile_on_a_phone(browser, base_url):
    context = browser.new_context(viewport={"width": 375, "height": 740}, locale="zh-CN", is_mobile=True)
    page = context.new_page()
    page.goto(base_url + "/")
    page.get_by_role("searchbox").fill("有限")
    page.get_by_role("button", name="查询").click()
    expect(page).to_have_url(re.compile(r"/enterprises\?q="))
    first = page.get_by_test_id("enterprise-table").locator("tbody tr a").first
    name = first.inner_text()
    assert "有限" in name
    first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(name)
    # A page wider than the phone makes the browser zoom out (innerWidth grows), so compare with the screen.
    width = page.evaluate("[window.innerWidth, document.documentElement.scrollWidth]")
    assert width == [375, 375], f"layout is {width} px wide on a 375 px phone"
    context.close()


def test_english_switch(page, base_url):
    page.goto(base_url + "/enterprises")
    page.get_by_role("link", name="English").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Enterprise search")


def test_login_import_with_bad_rows_and_see_the_report(page, base_url, logins, tmp_path: Path):
    user, password = logins["admin"]
    page.goto(base_url + "/login")
    page.get_by_label("用户名").fill(user)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()
    expect(page).to_have_url(re.compile(r"/console$"))
    good = uscc.make("9", "1", "500106", "E2E7E771")
    bad = good[:-1] + ("0" if good[-1] != "0" else "1")
    path = tmp_path / "企业名单.csv"
    path.write_text("统一社会信用代码,企业名称,登记状态,成立日期\n"
                    f"{good},沙坪坝区端到端测试食品有限公司,存续,2020-01-01\n"
                    f"{bad},校验位错误公司,存续,2020-01-01\n"
                    f"{uscc.make('9', '1', '500106', 'E2E7E772')},未来公司,存续,2099-01-01\n", encoding="gbk")
    page.goto(base_url + "/console/import")
    page.get_by_label("文件").set_input_files(str(path))
    page.get_by_role("button", name="开始导入").click()
    expect(page.get_by_test_id("job-created")).to_have_text("1")
    expect(page.get_by_test_id("job-rejected")).to_have_text("2")
    table = page.get_by_test_id("error-table")
    expect(table).to_contain_text("校验位错误")
    expect(table).to_contain_text("成立日期不能晚于今天")
    with page.expect_download() as download:
        page.get_by_role("link", name="XLSX").click()
    assert download.value.suggested_filename.endswith(".xlsx")
    page.goto(base_url + "/enterprises?q=端到端")
    expect(page.get_by_test_id("enterprise-table")).to_contain_text("沙坪坝区端到端测试食品有限公司")
    page.goto(base_url + "/console/audit?tag=registry:import")
    expect(page.get_by_test_id("audit-table")).to_contain_text("registry:import:finish")


def test_ledger_page_on_a_phone_and_a_downloaded_proof_that_verifies(browser, base_url):
    from zhiliang.ledger import note, proof

    context = browser.new_context(viewport={"width": 375, "height": 740}, locale="zh-CN", is_mobile=True,
                                  accept_downloads=True)
    page = context.new_page()
    page.goto(base_url + "/")
    page.get_by_role("link", name="防篡改记录").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("防篡改记录")
    assert int(page.locator("#ledger-size").inner_text()) > 0
    key = page.locator("#verifier-key").inner_text().strip()
    assert "— zhiliang.local/ledger " in page.locator("#checkpoint-note").inner_text()
    # A page wider than the phone makes the browser zoom out (innerWidth grows), so compare with the screen.
    width = page.evaluate("[window.innerWidth, document.documentElement.scrollWidth]")
    assert width == [375, 375], f"layout is {width} px wide on a 375 px phone"
    with page.expect_download() as caught:
        page.get_by_role("link", name="下载").first.click()
    bundle = Path(caught.value.path()).read_text(encoding="utf-8")
    checkpoint = proof.verify_bundle(bundle, note.Verifier.from_key(key))
    assert checkpoint.origin == "zhiliang.local/ledger"
    page.get_by_role("link", name="English").click()
    expect(page.get_by_role("heading", name="How to verify")).to_be_visible()
    context.close()


def _a_certificate(live) -> tuple[str, str]:
    """A certificate in the live city (issued here if the demo has none yet): its number and holder name."""
    from sqlalchemy import select

    from zhiliang.certificates import service as certs
    from zhiliang.certificates.models import Certificate
    from zhiliang.certificates.schemas import CertificateIn
    from zhiliang.kernel.auth import Actor
    from zhiliang.registry import queries

    _, rt, _ = live
    with rt.db.begin() as s:
        cert = s.scalars(select(Certificate).where(Certificate.status == "valid")).first()
        if cert is None:
            cb = next(c for c in queries.certification_bodies(s) if "QMS" in c.approved_types)
            holder = queries.enterprises(s, queries.EnterpriseFilter(status="active"), limit=1).rows[0]
            cert = certs.issue(s, Actor(None, "cb", "e2e", cb.id), CertificateIn(
                number="00124Q20001R0S", cb_ref="e2e-1", type_code="QMS", holder_uscc=holder.uscc,
                holder_name=holder.name, scope="e2e", issued_date=rt.today(),
                expiry_date=rt.today().replace(year=rt.today().year + 3)), rt.clock.now(), rt.today())
        return cert.number, cert.holder_name


def test_certificate_qr_page_on_a_phone_and_the_forged_number_page(browser, live, base_url):
    number, holder = _a_certificate(live)
    context = browser.new_context(viewport={"width": 375, "height": 740}, locale="zh-CN", is_mobile=True)
    page = context.new_page()
    page.goto(base_url + "/verify")
    page.get_by_label("证书编号").fill(number)
    page.get_by_role("button", name="查验").click()
    verdict = page.get_by_test_id("verdict")
    expect(verdict).to_have_attribute("data-verdict", "valid")
    qr_url = page.locator(".qr code").inner_text().strip()
    assert page.locator(".qr-code svg").count() == 1 and qr_url.endswith("/verify/" + number.upper())
    page.goto(qr_url)  # what a phone opens after scanning the printed code
    expect(page.get_by_test_id("verdict")).to_have_attribute("data-verdict", "valid")
    expect(page.get_by_text(holder).first).to_be_visible()
    width = page.evaluate("[window.innerWidth, document.documentElement.scrollWidth]")
    assert width == [375, 375], f"layout is {width} px wide on a 375 px phone"
    page.goto(base_url + "/verify/2099019999999999")
    expect(page.get_by_test_id("verdict")).to_have_attribute("data-verdict", "unknown_number")
    expect(page.get_by_text("可能是伪造的证书")).to_be_visible()
    width = page.evaluate("[window.innerWidth, document.documentElement.scrollWidth]")
    assert width == [375, 375], f"layout is {width} px wide on a 375 px phone"
    context.close()


def test_inspection_plan_workflow_and_public_verification_of_the_draw(page, live, base_url):
    import time as _time

    from zhiliang.inspections import service as inspections
    from zhiliang.kernel.auth import Actor
    from zhiliang.ledger import service as ledger

    _, rt, _ = live
    city = Actor(None, "regulator", "e2e-setup", None, "500000", "质量发展局")
    code = f"E2E-{int(_time.time())}"
    with rt.db.begin() as s:
        inspections.create_item(s, city, rt.clock.now(), code=code, name="端到端营业执照公示检查",
                                legal_basis="《企业信息公示暂行条例》第十四条", department="质量发展局",
                                method="书面检查", entity_types=["enterprise"], skills=[])
    page.goto(base_url + "/login")
    page.get_by_label("用户名").fill("demo-city")
    page.get_by_label("密码").fill("demo-city-2026")
    page.get_by_role("button", name="登录").click()
    page.goto(base_url + "/console/inspections")
    page.get_by_role("link", name="新建抽查计划").click()
    page.get_by_label("计划编号").fill(code)
    page.get_by_label("计划名称").fill("端到端测试抽查计划")
    page.get_by_label("检查部门").fill("")
    page.get_by_label(f"{code} 端到端营业执照公示检查").check()
    for c in "abcd":
        page.locator(f"input[name=ratio_{c}]").fill("0.05")
    page.get_by_label("每名检查人员工作量上限").fill("20")
    page.get_by_role("button", name="创建草案").click()
    expect(page.get_by_test_id("plan-status")).to_have_text("draft")
    expect(page.get_by_test_id("pool-preview")).to_be_visible()
    page.get_by_test_id("next-step").click()
    expect(page.get_by_test_id("plan-status")).to_have_text("committed")
    with rt.db.read() as s:  # the server's sequencer logs the commitment within about a second
        plan_seq = inspections.get_plan(s, code).commitment_seq
    deadline = _time.monotonic() + 20
    while _time.monotonic() < deadline:
        with rt.db.read() as s:
            entry = ledger.entry_for_event_or_none(s, plan_seq)
            if entry is not None and ledger.first_checkpoint_covering(s, entry.idx) is not None:
                break
        _time.sleep(0.1)
    page.get_by_test_id("next-step").click()
    expect(page.get_by_test_id("plan-status")).to_have_text("seeded")
    page.get_by_test_id("next-step").click()
    expect(page.get_by_test_id("plan-status")).to_have_text("drawn")
    page.goto(base_url + f"/inspections/plans/{code}")
    commitment = page.get_by_test_id("commitment").inner_text()
    assert len(commitment) == 64
    page.get_by_test_id("verify-link").click()
    expect(page.get_by_test_id("draw-check")).to_have_attribute("data-match", "yes")

"""Supervision sampling over HTTP (issue 7): a laboratory's token sees and reports on its own samples only; the
public sees published results and pass rates only; bad report items are refused as problem+json naming the item;
the whole flow from registration to publication and pass rates; objection and re-test; disposal; exports; pages."""

from __future__ import annotations

import csv
import io

import pytest
from support import PASSWORD, district_enterprises, login

from zhiliang import accounts
from zhiliang.kernel.auth import Actor
from zhiliang.registry import directory
from zhiliang.registry.service import upsert_enterprises

PLAN = {"code": "SPB-2026-E", "title": "2026年沙坪坝区电器监督抽查", "level": "district", "jurisdiction": "500106",
        "period_start": "2026-01-01", "period_end": "2026-12-31", "categories": ["E"], "quotas": {"500106": 20}}
PASS = [{"name": "标志和说明", "clause": "GB 4706.1-2005 第7章", "requirement": "应符合标准要求", "value": "符合",
         "verdict": "pass"},
        {"name": "泄漏电流", "clause": "GB 4706.1-2005 第13.2条", "requirement": "≤0.75 mA", "value": "0.21",
         "unit": "mA", "verdict": "pass"}]
FAIL = [{**PASS[0], "value": "不符合", "verdict": "fail"}, PASS[1]]


@pytest.fixture
def town(rt):
    records = district_enterprises(21, 3)
    with rt.db.begin() as s:
        upsert_enterprises(s, records, Actor.system(), rt.clock.now(), "test")
        labs = [directory.register_lab(s, Actor.system(), rt.clock.now(), cma_number=f"24001234567{k}",
                                       name=f"家电检测中心{k}", scope=["电冰箱"]).id for k in range(2)]
    from sqlalchemy import select

    from zhiliang.registry.models import Enterprise

    with rt.db.read() as s:
        ids = list(s.scalars(select(Enterprise.id).order_by(Enterprise.id)))
    users = {"reg": ("regulator", {"jurisdiction": "500106", "department": "质量监督科"}),
             "far": ("regulator", {"jurisdiction": "500103", "department": "质量监督科"}),
             "admin": ("admin", {}), "lab-a": ("lab", {"tenant_id": labs[0]}), "lab-b": ("lab", {"tenant_id": labs[1]}),
             "maker": ("enterprise", {"tenant_id": ids[0]})}
    tokens = {}
    for name, (role, binding) in users.items():
        accounts.create_user(rt, username=f"sp-{name}", display_name=name, role=role, password=PASSWORD, **binding)
        tokens[name] = {"Authorization": f"Bearer {accounts.issue_token(rt, f'sp-{name}', 'test')}"}
    return {"ids": ids, "labs": labs, "h": tokens}


def plan(client, town):
    made = client.post("/api/v1/sampling/plans", json=PLAN, headers=town["h"]["reg"])
    assert made.status_code == 201, made.text
    return made.json()["code"]


def register(client, town, code="S-1", enterprise=0, lab=0, **kw):
    body = {"code": code, "enterprise_id": town["ids"][enterprise], "category": "E01", "product": "家用电冰箱",
            "sampled_on": "2026-02-20", "place": "market", "sampler": "张三、李四", "lab_id": town["labs"][lab],
            "brand": "冰峰", "model": "BCD-200", "batch": "20260105", **kw}
    made = client.post(f"/api/v1/sampling/plans/{PLAN['code']}/samples", json=body, headers=town["h"]["reg"])
    assert made.status_code == 201, made.text
    return made.json()["id"]


def report(client, town, sample_id, items, lab="lab-a", no="R-1"):
    draft = client.post(f"/api/v1/sampling/samples/{sample_id}/reports", json={"report_no": no, "items": items},
                        headers=town["h"][lab])
    assert draft.status_code == 201, draft.text
    signed = client.post(f"/api/v1/sampling/reports/{draft.json()['id']}/sign", headers=town["h"][lab])
    assert signed.status_code == 200, signed.text
    return signed.json()


def test_a_lab_sees_and_reports_on_its_own_samples_only_and_the_public_on_published_only(client, town):
    h = town["h"]
    plan(client, town)
    mine, theirs = register(client, town, "S-A", lab=0), register(client, town, "S-B", enterprise=1, lab=1)
    listed = client.get("/api/v1/sampling/lab/samples", headers=h["lab-a"]).json()
    assert [s["code"] for s in listed["items"]] == ["S-A"] and listed["lab_id"] == town["labs"][0]
    assert [s["code"] for s in client.get("/api/v1/sampling/samples", headers=h["lab-a"]).json()["items"]] == ["S-A"]
    assert client.get(f"/api/v1/sampling/samples/{mine}", headers=h["lab-a"]).status_code == 200
    denied = client.get(f"/api/v1/sampling/samples/{theirs}", headers=h["lab-a"])
    assert denied.status_code == 403 and denied.headers["content-type"] == "application/problem+json"
    refused = client.post(f"/api/v1/sampling/samples/{theirs}/reports", json={"report_no": "X", "items": PASS},
                          headers=h["lab-a"])
    assert refused.status_code == 403 and refused.json()["zh"] and refused.json()["en"]
    assert client.get("/api/v1/sampling/plans", headers=h["lab-a"]).status_code == 403
    assert client.get("/api/v1/sampling/lab/samples", headers=h["reg"]).status_code == 403  # not a laboratory
    # a regulator of another district sees none of them; the producer sees its own
    assert client.get("/api/v1/sampling/samples", headers=h["far"]).json()["items"] == []
    assert client.get(f"/api/v1/sampling/samples/{mine}", headers=h["far"]).status_code == 403
    assert [s["code"] for s in client.get("/api/v1/sampling/samples", headers=h["maker"]).json()["items"]] == ["S-A"]
    assert {s["code"] for s in client.get("/api/v1/sampling/samples", headers=h["reg"]).json()["items"]} == \
        {"S-A", "S-B"}
    # the public: no sample, no report; published results (none yet) and pass rates only
    assert client.get("/api/v1/sampling/samples").status_code == 401
    assert client.get(f"/api/v1/sampling/samples/{mine}").status_code == 401
    assert client.get("/api/v1/sampling/published").json() == {"items": []}
    assert client.get("/api/v1/sampling/pass-rates").json() == {"by": ["category"], "rows": []}
    assert client.get("/api/v1/sampling/pass-rates?format=csv").status_code == 401
    assert client.get(f"/api/v1/sampling/enterprises/{town['ids'][0]}/history").json()["items"] == []
    # a re-test sends the sample to the other laboratory, which then sees it
    report(client, town, mine, FAIL)
    assert client.post(f"/api/v1/sampling/samples/{mine}/notify", json={"received_on": "2026-03-02"},
                       headers=h["reg"]).json()["objection_deadline"] == "2026-03-17"
    objection = client.post(f"/api/v1/sampling/samples/{mine}/objections", json={"reason": "标志检验有误"},
                            headers=h["maker"])
    assert objection.status_code == 201, objection.text
    same = client.post(f"/api/v1/sampling/objections/{objection.json()['id']}/retest",
                       json={"lab_id": town["labs"][0]}, headers=h["reg"])
    assert same.status_code == 422 and same.json()["field"] == "lab_id"
    assert client.post(f"/api/v1/sampling/objections/{objection.json()['id']}/retest",
                       json={"lab_id": town["labs"][1]}, headers=h["reg"]).json()["status"] == "retesting"
    assert {s["code"] for s in client.get("/api/v1/sampling/lab/samples", headers=h["lab-b"]).json()["items"]} == \
        {"S-A", "S-B"}
    assert client.post(f"/api/v1/sampling/samples/{mine}/reports", json={"report_no": "R-2", "items": PASS},
                       headers=h["lab-a"]).status_code == 403  # the first laboratory does not re-test
    retested = report(client, town, mine, PASS, lab="lab-b", no="RT-1")
    assert (retested["kind"], retested["sample_status"]) == ("retest", "confirmed")


def test_bad_items_are_refused_naming_the_item_and_nothing_is_saved(client, town):
    plan(client, town)
    sample_id = register(client, town)
    url = f"/api/v1/sampling/samples/{sample_id}/reports"
    for items, field in (([PASS[0], {**PASS[1], "value": " "}], "items/2/value"),
                         ([{**PASS[0], "verdict": "ok"}], "items/1/verdict"),
                         ([{**PASS[0], "name": "项" * 201}], "items/1/name"),  # longer than the column: not a 500
                         ([{**PASS[0], "unit": "u" * 41}], "items/1/unit"),
                         ([{**PASS[0], "verdict": "info"}], "items"),  # nothing judged
                         ([], "items")):
        bad = client.post(url, json={"report_no": "R-1", "items": items}, headers=town["h"]["lab-a"])
        assert bad.status_code == 422, bad.text
        assert bad.headers["content-type"] == "application/problem+json"
        assert bad.json()["field"] == field and bad.json()["zh"] and bad.json()["en"], bad.json()
    missing = client.post(url, json={"report_no": "R-1", "items": [{"name": "外观"}]}, headers=town["h"]["lab-a"])
    assert missing.status_code == 422 and missing.json()["field"].startswith("items/0/")
    assert client.get(f"/api/v1/sampling/samples/{sample_id}", headers=town["h"]["reg"]).json()["reports"] == []
    bad_rate = client.get("/api/v1/sampling/pass-rates?by=category,colour")
    assert bad_rate.status_code == 422 and bad_rate.json()["field"] == "by" and "colour" in bad_rate.json()["en"]
    assert client.get("/api/v1/sampling/pass-rates?level=village").json()["field"] == "level"
    assert client.get("/api/v1/sampling/pass-rates?since=2026-13-01").status_code == 422
    wrong = client.post(f"/api/v1/sampling/plans/{PLAN['code']}/samples", json={
        "code": "S-9", "enterprise_id": town["ids"][1], "category": "C01", "product": "童装", "sampled_on": "2026-02-20",
        "place": "market", "sampler": "王五", "lab_id": town["labs"][0]}, headers=town["h"]["reg"])
    assert wrong.status_code == 422 and wrong.json()["field"] == "category"


def test_from_registration_to_publication_pass_rates_pareto_disposal_and_exports(client, town, clock):
    h = town["h"]
    plan(client, town)
    failed = register(client, town, "S-1", enterprise=0)
    passed = register(client, town, "S-2", enterprise=1)
    signed = report(client, town, failed, FAIL)
    assert (signed["verdict"], signed["sample_status"]) == ("fail", "tested")
    report(client, town, passed, PASS, no="R-2")
    for sample_id in (failed, passed):
        assert client.post(f"/api/v1/sampling/samples/{sample_id}/notify", json={"received_on": "2026-03-02"},
                           headers=h["lab-a"]).status_code == 403  # a laboratory does not notify
        notified = client.post(f"/api/v1/sampling/samples/{sample_id}/notify", json={"received_on": "2026-03-02"},
                               headers=h["reg"])
        assert notified.json()["status"] == "notified"
    assert client.post("/api/v1/sampling/confirm-due", headers=h["admin"]).json()["confirmed"] == 0  # in window
    clock.advance(days=16)  # 2026-03-18: the window (to 03-17) is over
    assert client.post("/api/v1/sampling/confirm-due", headers=h["reg"]).status_code == 403  # admins run the job
    assert client.post("/api/v1/sampling/confirm-due", headers=h["admin"]).json() == {"confirmed": 2,
                                                                                       "on": "2026-03-18"}
    assert client.post(f"/api/v1/sampling/plans/{PLAN['code']}/publish", headers=h["lab-a"]).status_code == 403
    assert client.post(f"/api/v1/sampling/plans/{PLAN['code']}/publish", headers=h["reg"]).json()["published"] == 2

    shown = {r["code"]: r for r in client.get("/api/v1/sampling/published").json()["items"]}
    assert shown["S-1"]["verdict"] == "fail" and shown["S-1"]["failing_items"] == ["标志和说明"]
    assert shown["S-2"]["failing_items"] == []
    rates = client.get("/api/v1/sampling/pass-rates?by=category,quarter").json()["rows"]
    assert [(r["category"], r["quarter"], r["tested"], r["passed"], r["unstable"]) for r in rates] == [
        ("E01", "2026-Q1", 2, 1, True)]
    assert 0 < rates[0]["low"] < 0.5 < rates[0]["high"] < 1 and "20" in rates[0]["reason_en"]
    ranged = client.get("/api/v1/sampling/pass-rates?by=district&since=2026-02-01&until=2026-02-28&district=500106")
    assert ranged.json()["rows"][0]["tested"] == 2
    assert client.get("/api/v1/sampling/failing-items").json()["pareto"]["rows"][0]["category"] == "标志和说明"
    history = client.get(f"/api/v1/sampling/enterprises/{town['ids'][0]}/history").json()["items"]
    assert history[0]["failing_items"] == ["标志和说明"]

    exported = client.get("/api/v1/sampling/pass-rates?by=category&format=csv", headers=h["reg"])
    assert exported.status_code == 200 and exported.headers["content-type"].startswith("text/csv")
    table = list(csv.reader(io.StringIO(exported.text.lstrip("\ufeff"))))  # a BOM, for Excel
    assert table[0][0] == "category" and table[1][:3] == ["E01", "2", "1"]
    samples_xlsx = client.get("/api/v1/sampling/samples?format=xlsx", headers=h["reg"])
    assert samples_xlsx.status_code == 200 and samples_xlsx.content[:2] == b"PK"
    samples_csv = list(csv.reader(io.StringIO(client.get("/api/v1/sampling/samples?format=csv",
                                                          headers=h["reg"]).text)))
    assert {r[0] for r in samples_csv[1:]} == {"S-1", "S-2"}
    assert client.get("/api/v1/sampling/samples?format=csv", headers=h["lab-a"]).status_code == 403

    bad = client.post(f"/api/v1/sampling/samples/{passed}/disposals", headers=h["reg"],
                      json={"action": "rectify", "due_on": "2026-04-30"})
    assert bad.status_code == 409  # a pass needs no disposal
    step = client.post(f"/api/v1/sampling/samples/{failed}/disposals", headers=h["reg"],
                       json={"action": "rectify", "due_on": "2026-04-30", "note": "30日内整改"})
    assert step.status_code == 201, step.text
    assert client.get("/api/v1/sampling/disposals/overdue", headers=h["reg"]).json()["items"] == []
    clock.advance(days=45)
    late = client.get("/api/v1/sampling/disposals/overdue", headers=h["reg"]).json()["items"]
    assert [d["id"] for d in late] == [step.json()["id"]] and late[0]["sample"]["code"] == "S-1"
    assert client.get("/api/v1/sampling/disposals/overdue", headers=h["far"]).json()["items"] == []
    done = client.post(f"/api/v1/sampling/disposals/{step.json()['id']}/complete", headers=h["reg"],
                       json={"done_on": "2026-05-02", "outcome": "已整改并复查合格"})
    assert done.json()["done_on"] == "2026-05-02"
    detail = client.get(f"/api/v1/sampling/samples/{failed}", headers=h["reg"]).json()
    assert [r["verdict"] for r in detail["reports"]] == ["fail"] and detail["reports"][0]["items"][0]["verdict"] == \
        "fail" and detail["disposals"][0]["outcome"] == "已整改并复查合格"


def test_console_lab_and_portal_pages(client, town, clock):
    plan(client, town)
    sample_id = register(client, town)
    csrf = login(client, "sp-lab-a")
    assert "S-1" in client.get("/lab/sampling").text
    form = client.get(f"/lab/sampling/samples/{sample_id}")
    assert form.status_code == 200 and form.text.count('data-testid="item-row"') == 3
    more = client.post(f"/lab/sampling/samples/{sample_id}", data={"csrf_token": csrf, "rows": "3",
                                                                  "action": "add_row", "name_1": "外观"})
    assert more.text.count('data-testid="item-row"') == 4 and 'value="外观"' in more.text
    fields = {"csrf_token": csrf, "rows": "3", "action": "save", "report_no": "R-9"}
    for n, item in enumerate(FAIL, 1):
        fields.update({f"{k}_{n}": v for k, v in item.items()})
    bad = client.post(f"/lab/sampling/samples/{sample_id}", data={**fields, "value_2": ""})
    assert bad.status_code == 422 and "第 2 项缺少实测值" in bad.text and 'data-error="1"' in bad.text
    assert 'value="不符合"' in bad.text  # what was typed is kept
    saved = client.post(f"/lab/sampling/samples/{sample_id}", data=fields, follow_redirects=False)
    assert saved.status_code == 303
    page = client.get(f"/lab/sampling/samples/{sample_id}").text
    draft_id = page.split("/lab/sampling/reports/")[1].split("/")[0]
    assert client.post(f"/lab/sampling/reports/{draft_id}/sign", data={"csrf_token": csrf},
                       follow_redirects=False).status_code == 303
    assert client.get("/console/sampling/plans").status_code == 403  # a laboratory has no console

    client.cookies.clear()
    csrf = login(client, "sp-reg")
    assert PLAN["code"] in client.get("/console/sampling/plans").text
    assert "S-1" in client.get(f"/console/sampling/plans/{PLAN['code']}").text
    sample = client.get(f"/console/sampling/samples/{sample_id}").text
    assert 'data-testid="failing-item"' in sample and "标志和说明" in sample
    assert client.post(f"/console/sampling/samples/{sample_id}/notify", data={"csrf_token": csrf,
                       "received_on": "2026-03-02"}, follow_redirects=False).status_code == 303
    wrong_day = client.post(f"/console/sampling/samples/{sample_id}/notify", data={"csrf_token": csrf,
                            "received_on": "03/02/2026"})
    assert wrong_day.status_code == 422 and "received_on" in wrong_day.text
    clock.advance(days=16)
    client.post("/api/v1/sampling/confirm-due", headers=town["h"]["admin"])
    client.cookies.clear()
    csrf = login(client, "sp-reg")  # the session of 16 days ago has expired
    assert client.post(f"/console/sampling/plans/{PLAN['code']}/publish", data={"csrf_token": csrf},
                       follow_redirects=False).status_code == 303
    rates = client.get("/console/sampling/rates?by=category,quarter").text
    assert 'data-testid="unstable"' in rates and "<svg" in rates and 'data-testid="chart-pareto"' in rates
    assert "overdue-row" not in client.get("/console/sampling/overdue").text

    client.cookies.clear()
    portal = client.get("/sampling").text
    assert "S-1" in portal and "标志和说明" in portal and "沙坪坝区第0电器厂" in portal
    public_rates = client.get("/sampling/rates").text
    assert "<svg" in public_rates and "家用电冰箱" in public_rates and "<script" not in public_rates
    assert client.get("/lab/sampling").url.path == "/login"  # the anonymous are sent to log in


def test_a_lab_attaches_its_report_file_over_http_before_sign_off(client, town):
    plan(client, town)
    sample_id = register(client, town)
    draft = client.post(f"/api/v1/sampling/samples/{sample_id}/reports", json={"report_no": "R-9", "items": PASS},
                        headers=town["h"]["lab-a"]).json()["id"]
    pdf = b"%PDF-1.7\n%%EOF\n"
    url = f"/api/v1/sampling/reports/{draft}/files"
    other = client.post(url, files={"file": ("检验报告.pdf", pdf, "application/pdf")}, headers=town["h"]["lab-b"])
    assert other.status_code == 403
    wrong = client.post(url, files={"file": ("x.pdf", b"not a pdf", "application/pdf")}, headers=town["h"]["lab-a"])
    assert wrong.status_code == 422 and wrong.json()["field"] == "file"
    made = client.post(url, files={"file": ("检验报告.pdf", pdf, "application/pdf")}, headers=town["h"]["lab-a"])
    assert made.status_code == 201, made.text
    sha = made.json()["sha256"]
    client.post(f"/api/v1/sampling/reports/{draft}/sign", headers=town["h"]["lab-a"])
    again = client.post(url, files={"file": ("补充.pdf", pdf, "application/pdf")}, headers=town["h"]["lab-a"])
    assert again.status_code == 409
    shown = client.get(f"/api/v1/sampling/samples/{sample_id}", headers=town["h"]["reg"]).json()
    assert [f["sha256"] for r in shown["reports"] for f in r["files"]] == [sha]
    got = client.get(f"{url}/{sha}", headers=town["h"]["reg"])
    assert got.status_code == 200 and got.content == pdf
    assert client.get(f"{url}/{sha}", headers=town["h"]["lab-b"]).status_code == 403


def test_the_producer_sees_neither_drafts_nor_a_verdict_before_its_notice(client, town):
    plan(client, town)
    sample_id = register(client, town)
    client.post(f"/api/v1/sampling/samples/{sample_id}/reports", json={"report_no": "R-5", "items": FAIL},
                headers=town["h"]["lab-a"])
    url = f"/api/v1/sampling/samples/{sample_id}"
    early = client.get(url, headers=town["h"]["maker"]).json()
    assert early["reports"] == [] and early["verdict"] is None
    assert client.get(url, headers=town["h"]["lab-b"]).status_code == 403
    draft = client.get(url, headers=town["h"]["lab-a"]).json()["reports"]
    assert [r["signed"] for r in draft] == [False]  # the laboratory sees its own draft
    signed = client.post(f"/api/v1/sampling/reports/{draft[0]['id']}/sign", headers=town["h"]["lab-a"])
    assert signed.status_code == 200
    tested = client.get(url, headers=town["h"]["maker"]).json()
    assert tested["verdict"] is None and tested["reports"] == []  # tested, not yet notified
    history = client.get(f"/api/v1/sampling/enterprises/{town['ids'][0]}/history", headers=town["h"]["maker"])
    assert [(r["verdict"], r["failing_items"]) for r in history.json()["items"]] == [(None, [])]
    notified = client.post(f"{url}/notify", json={"received_on": "2026-02-25"}, headers=town["h"]["reg"])
    assert notified.status_code == 200, notified.text
    shown = client.get(url, headers=town["h"]["maker"]).json()
    assert shown["verdict"] == "fail" and [r["signed"] for r in shown["reports"]] == [True]


def test_the_public_sees_failing_items_of_published_results_only(client, town, clock):
    plan(client, town)
    sample_id = register(client, town)
    report(client, town, sample_id, FAIL)
    client.post(f"/api/v1/sampling/samples/{sample_id}/notify", json={"received_on": "2026-03-02"},
                headers=town["h"]["reg"])
    clock.advance(days=16)
    assert client.post("/api/v1/sampling/confirm-due", headers=town["h"]["admin"]).json()["confirmed"] == 1
    url = "/api/v1/sampling/failing-items?category=E01&district=500106"
    assert client.get(url).json()["pareto"] is None  # confirmed, not yet published
    assert client.get(url, headers=town["h"]["reg"]).json()["pareto"]["total"] == 1
    client.post(f"/api/v1/sampling/plans/{PLAN['code']}/publish", headers=town["h"]["reg"])
    assert client.get(url).json()["pareto"]["rows"][0]["category"] == FAIL[0]["name"]

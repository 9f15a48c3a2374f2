"""Certificates over HTTP as a CB's integration engineer and a consumer use them: token-authenticated issue, update,
status changes and bulk upserts; public verification whose signed answer checks offline; the pages."""

from __future__ import annotations

import json
import random
from datetime import date

import pytest
from support import PASSWORD, login, zl

from zhiliang import accounts
from zhiliang.kernel.auth import Actor
from zhiliang.ledger import attest, note
from zhiliang.registry import directory, uscc
from zhiliang.registry.domain import EnterpriseRecord
from zhiliang.registry.service import upsert_enterprises

NUMBER = "2021010901000123"


@pytest.fixture
def cb(rt):
    rng = random.Random(8)
    holder, other = uscc.random_uscc(rng, "500106"), uscc.random_uscc(rng, "500103")
    records = [EnterpriseRecord(uscc=code, uscc_warning=None, name=name, entity_type="enterprise", legal_rep=None,
                                address=None, division_code=code[2:8], industry_code=None,
                                registration_authority=None, established_date=None, status="active",
                                registered_capital=None, former_names=())
               for code, name in ((holder, "沙坪坝区恒达电器有限公司"), (other, "渝中区鑫源电器有限公司"))]
    with rt.db.begin() as s:
        upsert_enterprises(s, records, Actor.system(), rt.clock.now(), "test")
        body = directory.register_cb(s, Actor.system(), rt.clock.now(), cnca_number="CNCA-R-2002-001",
                                     name="中国质量认证中心", approved_types=["CCC", "QMS"])
        rival = directory.register_cb(s, Actor.system(), rt.clock.now(), cnca_number="CNCA-R-2003-002",
                                      name="方圆标志认证集团", approved_types=["CCC"])
        s.flush()
        ids = body.id, rival.id
    accounts.create_user(rt, username="cqc", display_name="CQC", role="cb", password=PASSWORD, tenant_id=ids[0])
    accounts.create_user(rt, username="fy", display_name="FY", role="cb", password=PASSWORD, tenant_id=ids[1])
    return {"auth": {"Authorization": f"Bearer {accounts.issue_token(rt, 'cqc', 'erp')}"},
            "rival": {"Authorization": f"Bearer {accounts.issue_token(rt, 'fy', 'erp')}"},
            "holder": holder, "other": other}


def body(cb, **kw):
    return {"number": NUMBER, "cb_ref": "ERP-1", "type_code": "CCC", "holder_uscc": cb["holder"],
            "holder_name": "沙坪坝区恒达电器有限公司", "scope": "家用电冰箱", "issued_date": "2024-03-01",
            "expiry_date": "2029-02-28", **kw}


def test_cb_integration_issue_update_status_and_tenant_rules(client, cb):
    created = client.post("/api/v1/certificates", json=body(cb), headers=cb["auth"])
    assert created.status_code == 201, created.text
    cert_id = created.json()["id"]
    assert client.post("/api/v1/certificates", json=body(cb), headers=cb["auth"]).status_code == 409
    anonymous = client.post("/api/v1/certificates", json=body(cb, number="2021010901000124", cb_ref="x"))
    assert anonymous.status_code in (401, 403)
    patched = client.patch(f"/api/v1/certificates/{cert_id}", json={"version": 1, "scope": "家用电冰箱、冷柜"},
                           headers=cb["auth"])
    assert patched.json()["version"] == 2
    lost = client.patch(f"/api/v1/certificates/{cert_id}", json={"version": 1, "scope": "x"}, headers=cb["auth"])
    assert lost.status_code == 409 and lost.json()["field"] == "version"
    assert client.post(f"/api/v1/certificates/{cert_id}/status", json={"action": "suspend", "reason_code": "S01"},
                       headers=cb["rival"]).status_code == 403
    suspended = client.post(f"/api/v1/certificates/{cert_id}/status",
                            json={"action": "suspend", "reason_code": "S01"}, headers=cb["auth"])
    assert suspended.json()["status"] == "suspended"
    illegal = client.post(f"/api/v1/certificates/{cert_id}/status", json={"action": "suspend", "reason_code": "S01"},
                          headers=cb["auth"])
    assert illegal.status_code == 409 and illegal.json()["zh"] and illegal.json()["en"]


def test_bulk_upsert_and_no_change(client, cb):
    items = [body(cb, cb_ref=f"ERP-{i}", number=f"20210109010{i:05d}") for i in range(1, 6)]
    items.append(body(cb, cb_ref="ERP-bad", number="20210109", holder_uscc=cb["holder"]))
    answer = client.put("/api/v1/certificates", json={"certificates": items}, headers=cb["auth"])
    assert [i["outcome"] for i in answer.json()["items"]] == ["created"] * 5 + ["rejected"]
    assert answer.json()["items"][-1]["field"] == "number"
    again = client.put("/api/v1/certificates", json={"certificates": items[:5]}, headers=cb["auth"])
    assert {i["outcome"] for i in again.json()["items"]} == {"unchanged"}
    too_many = client.put("/api/v1/certificates", json={"certificates": [items[0]] * 1001}, headers=cb["auth"])
    assert too_many.status_code == 422
    assert client.post("/api/v1/certificates/no-change", json={"period": "2026-10"},
                       headers=cb["auth"]).status_code == 200
    assert client.post("/api/v1/certificates/no-change", json={"period": "2026-13"},
                       headers=cb["auth"]).status_code == 422


def test_signed_verification_checks_offline_and_fails_when_changed(client, cb, tmp_path, settings):
    client.post("/api/v1/certificates", json=body(cb), headers=cb["auth"])
    key = client.get("/.well-known/zhiliang-verification-key").text.strip()
    answer = client.get("/api/v1/certificates/verify", params={"number": "２０２１ ０１０９ ０１００ ０１２３"})
    signed = answer.json()
    assert signed["document"]["verdict"] == "valid"
    assert attest.verify(signed, note.Verifier.from_key(key))["certificate"]["number"] == NUMBER
    saved = tmp_path / "verification.json"
    saved.write_text(json.dumps(signed, ensure_ascii=False), encoding="utf-8")
    env = {"PATH": "/usr/bin:/bin", "ZHILIANG_DATA_DIR": str(tmp_path / "none")}
    ok = zl(env, "certs", "verify-offline", str(saved), "--key", key)
    assert ok.returncode == 0 and "verdict valid" in ok.stdout, ok.stdout + ok.stderr
    forged = json.loads(saved.read_text(encoding="utf-8"))
    forged["document"]["certificate"]["expiry_date"] = "2039-02-28"
    (tmp_path / "forged.json").write_text(json.dumps(forged, ensure_ascii=False), encoding="utf-8")
    bad = zl(env, "certs", "verify-offline", str(tmp_path / "forged.json"), "--key", key)
    assert bad.returncode == 1 and "INVALID" in bad.stderr


def test_verdicts_on_the_page_and_the_forged_number_page(client, cb):
    client.post("/api/v1/certificates", json=body(cb), headers=cb["auth"])
    page = client.get(f"/verify/{NUMBER}")
    assert page.status_code == 200 and 'data-verdict="valid"' in page.text and "<svg" in page.text
    assert "中国质量认证中心" in page.text and 'data-testid="freshness"' in page.text
    misuse = client.get(f"/verify/{NUMBER}", params={"holder": "渝中区鑫源电器有限公司"})
    assert 'data-verdict="holder_mismatch"' in misuse.text and "疑似冒用" in misuse.text
    forged = client.get("/verify", params={"number": "2021010999999999"})
    assert 'data-verdict="unknown_number"' in forged.text and "中国质量认证中心" in forged.text
    english = client.get("/verify/2021010999999999?lang=en").text
    assert 'data-verdict="unknown_number"' in english and "No certificate with this number here" in english


def test_counterfeit_signals_are_for_staff(client, cb, rt, make_user):
    for _ in range(2):
        client.get("/api/v1/certificates/verify", params={"number": "2021010999999999"})
    assert client.get("/api/v1/certificates/signals").status_code in (401, 403)
    make_user("regulator", jurisdiction="500000", department="认证监管处")
    login(client, "regulator1")
    page = client.get("/console/certificates/signals")
    assert page.status_code == 200 and "2021010999999999" in page.text
    items = client.get("/api/v1/certificates/signals").json()["items"]
    assert items[0]["number_key"] == "2021010999999999" and items[0]["count"] >= 2


def test_holder_search(client, cb):
    client.post("/api/v1/certificates", json=body(cb), headers=cb["auth"])
    by_name = client.get("/api/v1/certificates", params={"holder": "恒达"}).json()["items"]
    by_code = client.get("/api/v1/certificates", params={"holder": cb["holder"]}).json()["items"]
    assert [i["number"] for i in by_name] == [NUMBER] == [i["number"] for i in by_code]
    assert client.get("/api/v1/certificates", params={"holder": "鑫源"}).json()["items"] == []
    page = client.get("/verify", params={"holder_q": "恒达"})
    assert 'data-testid="holder-results"' in page.text and f"/verify/{NUMBER}" in page.text


def test_issue_date_validation_is_problem_json(client, cb):
    bad = client.post("/api/v1/certificates", json=body(cb, expiry_date=str(date(2020, 1, 1))), headers=cb["auth"])
    assert bad.status_code == 422 and bad.headers["content-type"].startswith("application/problem+json")


def test_certificates_on_the_holders_profile(client, cb, rt):
    client.post("/api/v1/certificates", json=body(cb), headers=cb["auth"])
    from zhiliang.registry import queries

    with rt.db.read() as s:
        holder_id = queries.enterprise_by_uscc(s, cb["holder"]).id
    profile = client.get(f"/enterprises/{holder_id}")
    assert 'data-testid="profile-section"' in profile.text and f"/verify/{NUMBER}" in profile.text

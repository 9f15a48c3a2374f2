"""A random-inspection plan over HTTP as regulators run it and the public checks it: create, commit, seed, draw,
findings, approval, publication; the public record re-runs to a match with ``zhiliang inspections verify-draw``,
and a tampered record is a mismatch."""

from __future__ import annotations

import hashlib
import json
import random
from datetime import timedelta

from support import PASSWORD, zl

from zhiliang import accounts
from zhiliang.inspections import service
from zhiliang.kernel.auth import Actor
from zhiliang.ledger import service as ledger
from zhiliang.registry import directory, uscc
from zhiliang.registry.domain import EnterpriseRecord
from zhiliang.registry.service import upsert_enterprises


def _city(rt):
    rng = random.Random(6)
    records = [EnterpriseRecord(uscc=uscc.random_uscc(rng, "500106"), uscc_warning=None, name=f"沙坪坝区第{i}商行",
                                entity_type="enterprise", legal_rep=None, address=None, division_code="500106",
                                industry_code=None, registration_authority=None, established_date=None,
                                status="active", registered_capital=None, former_names=()) for i in range(40)]
    with rt.db.begin() as s:
        upsert_enterprises(s, records, Actor.system(), rt.clock.now(), "test")
        item = service.create_item(s, Actor.system(), rt.clock.now(), code="SPB-01", name="营业执照公示检查",
                                   legal_basis="《企业信息公示暂行条例》第十四条", department="市场监管局",
                                   method="书面检查", entity_types=["enterprise"], skills=["登记"])
        for k in range(6):
            directory.register_person(s, Actor.system(), rt.clock.now(), kind="inspector", name=f"检查员{k}",
                                      enforcement_cert_no=f"50010600{k:04d}", department="市场监管局",
                                      jurisdiction="500106", skills=["登记"])
        s.flush()
        return item.id


def test_plan_workflow_public_pages_and_verify_draw(client, rt, tmp_path):
    item_id = _city(rt)
    for name in ("reg-a", "reg-b"):
        accounts.create_user(rt, username=name, display_name=name, role="regulator", password=PASSWORD,
                             jurisdiction="500106", department="市场监管局")
    a = {"Authorization": f"Bearer {accounts.issue_token(rt, 'reg-a', 'test')}"}
    b = {"Authorization": f"Bearer {accounts.issue_token(rt, 'reg-b', 'test')}"}
    plan = {"code": "2026-SPB-07", "title": "2026年度营业执照公示抽查", "jurisdiction": "500106",
            "departments": ["市场监管局"], "item_ids": [item_id], "ratios": {"A": "0.1", "B": "0.1", "C": "0.3",
                                                                             "D": "0.5"}, "workload_cap": 4}
    assert client.post("/api/v1/inspections/plans", json=plan).status_code in (401, 403)
    assert client.post("/api/v1/inspections/plans", json=plan, headers=a).status_code == 201
    assert client.post("/api/v1/inspections/plans/2026-SPB-07/commit", headers=a).json()["status"] == "committed"
    pending = client.post("/api/v1/inspections/plans/2026-SPB-07/seed", headers=a)
    assert pending.status_code == 409 and pending.json()["zh"]
    ledger.catch_up(rt.db, client.app.state.ledger_signer, rt.settings.ledger_origin, rt.clock)
    assert client.post("/api/v1/inspections/plans/2026-SPB-07/seed", headers=a).json()["status"] == "seeded"
    drawn = client.post("/api/v1/inspections/plans/2026-SPB-07/draw", headers=a).json()
    assert drawn["status"] == "drawn" and drawn["result"]["quotas"]["B"] == 4

    record = client.get("/api/v1/inspections/plans/2026-SPB-07/record").json()
    saved = tmp_path / "record.json"
    saved.write_text(json.dumps(record), encoding="utf-8")
    key = client.get("/ledger/key").text.strip()
    env = {"PATH": "/usr/bin:/bin", "ZHILIANG_DATA_DIR": str(tmp_path / "none")}
    ok = zl(env, "inspections", "verify-draw", "2026-SPB-07", "--file", str(saved), "--key", key)
    assert ok.returncode == 0 and "match / 一致" in ok.stdout, ok.stdout + ok.stderr
    record["result"]["selected"]["B"][0], record["result"]["selected"]["B"][1] = \
        record["result"]["selected"]["B"][1], record["result"]["selected"]["B"][0]
    saved.write_text(json.dumps(record), encoding="utf-8")
    bad = zl(env, "inspections", "verify-draw", "2026-SPB-07", "--file", str(saved), "--key", key)
    assert bad.returncode == 2 and "MISMATCH" in bad.stdout

    page = client.get("/inspections/plans/2026-SPB-07")
    assert drawn["commitment"] in page.text and drawn["seed"] in page.text
    target = client.get("/api/v1/inspections/plans/2026-SPB-07").json()
    assert target["targets"] == []  # nothing published yet
    from sqlalchemy import select

    from zhiliang.inspections.models import InspectionTarget

    with rt.db.read() as s:
        target_id = s.scalars(select(InspectionTarget.id).where(InspectionTarget.status == "assigned")).first()
    assert client.post(f"/api/v1/inspections/targets/{target_id}/findings",
                       json={"item_id": item_id, "code": "CORRECTED", "note": "已责令改正"}, headers=a).status_code == 200
    assert client.post(f"/api/v1/inspections/targets/{target_id}/approve", headers=a).status_code == 409
    assert client.post(f"/api/v1/inspections/targets/{target_id}/approve", headers=b).json()["status"] == "approved"
    client.post("/api/v1/inspections/plans/2026-SPB-07/publish", headers=b)
    published = client.get("/api/v1/inspections/plans/2026-SPB-07").json()["targets"]
    assert [t["outcome"] for t in published] == ["CORRECTED"]
    assert "发现问题已责令改正" in client.get("/inspections/plans/2026-SPB-07").text
    assert "2026-SPB-07" in client.get("/inspections").text


def test_results_on_the_enterprise_profile_exports_and_overdue(client, rt, tmp_path, clock):
    test_plan_workflow_public_pages_and_verify_draw(client, rt, tmp_path)
    published = client.get("/api/v1/inspections/plans/2026-SPB-07").json()["targets"][0]
    profile = client.get(f"/enterprises/{published['entity_id']}")
    assert 'data-testid="profile-section"' in profile.text and "发现问题已责令改正" in profile.text
    csv_export = client.get("/api/v1/inspections/plans/2026-SPB-07/export", params={"format": "csv"})
    lines = csv_export.content.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("序号 Rank") and len(lines) == 1 + sum(
        client.get("/api/v1/inspections/plans/2026-SPB-07").json()["result"]["quotas"].values())
    assert sum("发现问题已责令改正" in line for line in lines) == 1  # only the published outcome is shown
    xlsx = client.get("/api/v1/inspections/plans/2026-SPB-07/export", params={"format": "xlsx"})
    assert xlsx.content[:2] == b"PK"

    headers = {"Authorization": f"Bearer {accounts.issue_token(rt, 'reg-a', 'later')}"}
    assert client.get("/api/v1/inspections/overdue", headers=headers).json()["items"] == []
    clock.advance(days=60)
    late = client.get("/api/v1/inspections/overdue", headers=headers).json()["items"]
    assert [p["code"] for p in late] == ["2026-SPB-07"]


def test_plan_form_creates_a_draft_and_refuses_bad_input_clearly(client, rt, make_user):
    from support import login

    item_id = _city(rt)
    make_user("regulator", jurisdiction="500106", department="市场监管局")
    csrf = login(client, "regulator1")
    form = {"csrf_token": csrf, "code": "2026-FORM-1", "title": "表单创建的计划", "jurisdiction": "500106",
            "departments": "市场监管局", "item_ids": str(item_id), "ratio_a": "0.1", "ratio_b": "0.1",
            "ratio_c": "0.1", "ratio_d": "0.1", "workload_cap": "10"}
    created = client.post("/console/inspections/new", data=form, follow_redirects=False)
    assert created.status_code == 303 and created.headers["location"] == "/console/inspections/2026-FORM-1"
    page = client.get("/console/inspections/2026-FORM-1")
    assert 'data-testid="pool-preview"' in page.text and "40" in page.text
    no_items = client.post("/console/inspections/new", data={**form, "code": "2026-FORM-2", "item_ids": []})
    assert no_items.status_code == 422 and "item_ids" in no_items.text, no_items.text[-1500:]
    bad_ratio = client.post("/console/inspections/new", data={**form, "code": "2026-FORM-3", "ratio_b": "abc"})
    assert bad_ratio.status_code == 422 and "B" in bad_ratio.text
    new_form = client.get("/console/inspections/new").text
    assert 'value="food_production"' in new_form and 'name="tags"' in new_form
    filtered = client.post("/console/inspections/new", data={
        **form, "code": "2026-FORM-4", "licence": "food_production", "tags": "重点监管;学校食堂", "status": "any"},
        follow_redirects=False)
    assert filtered.status_code == 303
    shown = client.get("/inspections/plans/2026-FORM-4").text
    assert "licence = food_production" in shown and "tags = 学校食堂、重点监管" in shown and "status = any" in shown
    api = client.get("/api/v1/inspections/plans/2026-FORM-4").json()
    assert api["filters"] == {"licence": "food_production", "tags": ["学校食堂", "重点监管"], "status": "any"}
    unknown = client.post("/console/inspections/new", data={**form, "code": "2026-FORM-5", "licence": "钓鱼许可证"})
    assert unknown.status_code == 422 and "钓鱼许可证" in unknown.text
    beacon = {"beacon_source": "上证综指收盘点位", "beacon_after": "2026-03-03T15:00", "beacon_by": "2026-03-04T18:00"}
    assert client.post("/console/inspections/new", data={**form, "code": "2026-FORM-6", **beacon},
                       follow_redirects=False).status_code == 303
    made = client.get("/api/v1/inspections/plans/2026-FORM-6").json()
    assert made["beacon"] == {"source": "上证综指收盘点位", "after": "2026-03-03T15:00:00+08:00",
                              "by": "2026-03-04T18:00:00+08:00"}  # the form's local times are Beijing time
    assert 'name="beacon_value"' not in client.get("/console/inspections/2026-FORM-6").text  # not before commit


def test_attachments_typed_by_content_size_limited_and_staff_only(client, rt, tmp_path):
    item_id = _city(rt)
    accounts.create_user(rt, username="reg-c", display_name="reg-c", role="regulator", password=PASSWORD,
                         jurisdiction="500106", department="市场监管局")
    a = {"Authorization": f"Bearer {accounts.issue_token(rt, 'reg-c', 'test')}"}
    plan = {"code": "2026-ATT-1", "title": "附件测试", "jurisdiction": "500106", "departments": ["市场监管局"],
            "item_ids": [item_id], "ratios": {"A": "0.2", "B": "0.2", "C": "0.2", "D": "0.2"}, "workload_cap": 10}
    client.post("/api/v1/inspections/plans", json=plan, headers=a)
    client.post("/api/v1/inspections/plans/2026-ATT-1/commit", headers=a)
    ledger.catch_up(rt.db, client.app.state.ledger_signer, rt.settings.ledger_origin, rt.clock)
    client.post("/api/v1/inspections/plans/2026-ATT-1/seed", headers=a)
    client.post("/api/v1/inspections/plans/2026-ATT-1/draw", headers=a)
    from sqlalchemy import select

    from zhiliang.inspections.models import InspectionTarget

    with rt.db.read() as s:
        target_id = s.scalars(select(InspectionTarget.id)).first()
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 100
    added = client.post(f"/api/v1/inspections/targets/{target_id}/attachments", headers=a,
                        files={"file": ("现场照片.png", png, "image/png")})
    assert added.status_code == 201 and added.json()["content_type"] == "image/png"
    got = client.get(f"/api/v1/inspections/attachments/{added.json()['id']}", headers=a)
    assert got.status_code == 200 and got.content == png
    assert client.get(f"/api/v1/inspections/attachments/{added.json()['id']}").status_code in (401, 403)
    disguised = client.post(f"/api/v1/inspections/targets/{target_id}/attachments", headers=a,
                            files={"file": ("photo.png", b"MZ\x90\x00 not an image", "image/png")})
    assert disguised.status_code == 422 and disguised.json()["field"] == "file"
    big = b"%PDF-" + b"0" * (rt.settings.attachment_max_mb << 20)
    too_big = client.post(f"/api/v1/inspections/targets/{target_id}/attachments", headers=a,
                          files={"file": ("big.pdf", big, "application/pdf")})
    assert too_big.status_code == 422 and "MB" in too_big.json()["en"]


def test_console_upload_of_evidence(client, rt, make_user):
    from sqlalchemy import select
    from support import login

    from zhiliang.inspections.models import InspectionAttachment, InspectionTarget

    test_attachments_typed_by_content_size_limited_and_staff_only(client, rt, None)
    make_user("regulator", jurisdiction="500106", department="市场监管局")
    csrf = login(client, "regulator1")
    with rt.db.read() as s:
        target_id = s.scalars(select(InspectionTarget.id)).first()
    page = client.get("/console/inspections/2026-ATT-1")
    assert f"/console/inspections/targets/{target_id}/attachments" in page.text
    sent = client.post(f"/console/inspections/targets/{target_id}/attachments", follow_redirects=False,
                       data={"csrf_token": csrf, "code": "2026-ATT-1"},
                       files={"file": ("记录.pdf", b"%PDF-1.4 evidence", "application/pdf")})
    assert sent.status_code == 303
    with rt.db.read() as s:
        assert s.scalar(select(InspectionAttachment.content_type).where(
            InspectionAttachment.file_name == "记录.pdf")) == "application/pdf"


def test_an_external_beacon_seeds_the_draw_only_within_its_committed_window(client, rt, tmp_path):
    item_id = _city(rt)
    accounts.create_user(rt, username="reg-e", display_name="reg-e", role="regulator", password=PASSWORD,
                         jurisdiction="500106", department="市场监管局")
    a = {"Authorization": f"Bearer {accounts.issue_token(rt, 'reg-e', 'test')}"}
    now = rt.clock.now()
    beacon = {"source": "2026年3月2日上证综指收盘点位", "after": (now + timedelta(hours=6)).isoformat(),
              "by": (now + timedelta(days=2)).isoformat()}
    plan = {"title": "信标抽查", "jurisdiction": "500106", "departments": ["市场监管局"], "item_ids": [item_id],
            "ratios": {c: "0.2" for c in "ABCD"}, "workload_cap": 10}
    for wrong, field in (({**beacon, "after": (now - timedelta(hours=1)).isoformat()}, "beacon.after"),
                         ({**beacon, "by": beacon["after"]}, "beacon.by"),
                         ({**beacon, "after": "2026-03-03T09:00"}, "beacon.after")):
        refused = client.post("/api/v1/inspections/plans", json={**plan, "code": "B-0", "beacon": wrong}, headers=a)
        assert refused.status_code == 422 and refused.json()["field"] == field, refused.json()
    for code in ("B-1", "B-2", "B-3"):
        made = client.post("/api/v1/inspections/plans", json={**plan, "code": code, "beacon": beacon}, headers=a)
        assert made.status_code == 201 and made.json()["beacon"]["source"] == beacon["source"]
    for code in ("B-1", "B-3"):
        assert client.post(f"/api/v1/inspections/plans/{code}/commit", headers=a).json()["status"] == "committed"
    assert client.post("/api/v1/inspections/plans/B-1/seed", headers=a).status_code == 422  # no value given
    early = client.post("/api/v1/inspections/plans/B-1/seed", json={"beacon_value": "3412.66"}, headers=a)
    assert early.status_code == 409 and "beacon value is entered after" in early.json()["en"]

    rt.clock.advance(hours=7)  # the beacon is out
    late = client.post("/api/v1/inspections/plans/B-2/commit", headers=a)
    assert late.status_code == 409 and late.json()["code"] == "inspections.beacon_passed"
    seeded = client.post("/api/v1/inspections/plans/B-1/seed", json={"beacon_value": " 3412.66 "}, headers=a).json()
    assert seeded["status"] == "seeded" and seeded["seed"] == hashlib.sha256(b"3412.66").hexdigest()
    assert client.post("/api/v1/inspections/plans/B-1/draw", headers=a).json()["status"] == "drawn"
    page = client.get("/inspections/plans/B-1").text
    assert beacon["source"] in page and "3412.66" in page and seeded["seed"] in page

    record = client.get("/api/v1/inspections/plans/B-1/record").json()
    assert record["plan_params"]["beacon"] == made.json()["beacon"]  # the window is part of the commitment
    saved = tmp_path / "beacon.json"
    saved.write_text(json.dumps(record), encoding="utf-8")
    env = {"PATH": "/usr/bin:/bin", "ZHILIANG_DATA_DIR": str(tmp_path / "none")}
    ok = zl(env, "inspections", "verify-draw", "B-1", "--file", str(saved))
    assert ok.returncode == 0 and "match / 一致" in ok.stdout and "3412.66" in ok.stdout, ok.stdout + ok.stderr
    record["seed_source"]["value"] = "3412.67"  # a different beacon value than the one the seed came from
    saved.write_text(json.dumps(record), encoding="utf-8")
    bad = zl(env, "inspections", "verify-draw", "B-1", "--file", str(saved))
    assert bad.returncode == 2 and "not the hash of the beacon value" in bad.stdout

    rt.clock.advance(days=2)  # past the committed deadline
    overdue = client.post("/api/v1/inspections/plans/B-3/seed", json={"beacon_value": "3412.66"}, headers=a)
    assert overdue.status_code == 409 and "past the committed deadline" in overdue.json()["en"]

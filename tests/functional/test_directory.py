"""Registering certification bodies, laboratories, people and products through the API."""

from __future__ import annotations

from sqlalchemy import select
from support import login

from zhiliang.kernel.audit import AuditEntry
from zhiliang.kernel.events import Event

INSPECTOR = {
    "kind": "inspector",
    "name": "王测试",
    "enforcement_cert_no": "50123456",
    "department": "质量监督科",
    "jurisdiction": "500106",
    "skills": ["食品生产"],
    "phone": "13800000000",
    "id_number": "X" * 18,
}


def headers(client) -> dict[str, str]:
    return {"X-CSRF-Token": client.csrf}


def as_user(client, make_user, role: str, **binding) -> None:
    client.cookies.clear()
    client.csrf = login(client, make_user(role, **binding))


def test_staff_register_and_personal_data_stays_private(client, make_user, rt, enterprises):
    as_user(client, make_user, "admin")
    cb = client.post(
        "/api/v1/cbs",
        json={"cnca_number": "cnca-r-2002-001", "name": "华夏认证中心有限公司", "approved_types": ["QMS", " EMS "]},
        headers=headers(client),
    )
    assert cb.status_code == 201 and cb.json()["cnca_number"] == "CNCA-R-2002-001"
    assert cb.json()["approved_types"] == ["EMS", "QMS"]
    lab = client.post(
        "/api/v1/labs",
        json={"cma_number": "160012050001", "name": "重庆市测试检验检测有限公司", "scope": ["食品微生物"]},
        headers=headers(client),
    )
    assert lab.status_code == 201
    person = client.post("/api/v1/people", json=INSPECTOR, headers=headers(client))
    assert person.status_code == 201 and "phone" not in person.json()
    eid = next(iter(enterprises.values()))
    product = client.post("/api/v1/products", json={"enterprise_id": eid, "name": "速冻汤圆"}, headers=headers(client))
    assert product.status_code == 201
    assert client.get("/api/v1/people").json()["items"][0]["phone"] == "13800000000"  # admins see it
    as_user(client, make_user, "regulator", jurisdiction="500000", department="质量监督科")
    assert "phone" not in client.get("/api/v1/people").json()["items"][0]
    with rt.db.read() as s:
        event = s.scalar(select(Event).where(Event.type == "registry.PersonRegistered"))
        assert "phone" not in event.payload and "name" not in event.payload
        assert event.private["phone"] == "13800000000" and event.private["name"] == "王测试"
        tags = set(s.scalars(select(AuditEntry.tag)))
    assert {
        "registry:certification_body:create",
        "registry:laboratory:create",
        "registry:person:create",
        "registry:product:create",
    } <= tags


def test_bad_and_duplicate_input(client, make_user):
    as_user(client, make_user, "admin")
    bad = client.post("/api/v1/cbs", json={"cnca_number": "CNCA-2002-1", "name": "x"}, headers=headers(client))
    assert bad.status_code == 422 and bad.json()["field"] == "cnca_number" and "CNCA-R" in bad.json()["zh"]
    body = {"cnca_number": "CNCA-R-2002-002", "name": "甲"}
    assert client.post("/api/v1/cbs", json=body, headers=headers(client)).status_code == 201
    dup = client.post("/api/v1/cbs", json=body, headers=headers(client))
    assert dup.status_code == 409 and dup.json()["zh"]
    no_cert = client.post("/api/v1/people", json={**INSPECTOR, "enforcement_cert_no": None}, headers=headers(client))
    assert no_cert.status_code == 422 and no_cert.json()["field"] == "enforcement_cert_no"
    lab = client.post("/api/v1/labs", json={"cma_number": "12ab", "name": "x"}, headers=headers(client))
    assert lab.status_code == 422 and lab.json()["field"] == "cma_number"


def test_non_staff_cannot_register(client, make_user, enterprises):
    as_user(client, make_user, "public")
    body = {"cnca_number": "CNCA-R-2002-003", "name": "甲"}
    assert client.post("/api/v1/cbs", json=body, headers=headers(client)).status_code == 403
    eid = next(iter(enterprises.values()))
    as_user(client, make_user, "enterprise", tenant_id=eid)
    own = client.post("/api/v1/products", json={"enterprise_id": eid, "name": "自有产品"}, headers=headers(client))
    assert own.status_code == 201
    other = [i for i in enterprises.values() if i != eid][0]
    theirs = client.post("/api/v1/products", json={"enterprise_id": other, "name": "别人的"}, headers=headers(client))
    assert theirs.status_code == 403


def test_people_directory_is_staff_only_and_jurisdiction_bound(client, make_user):
    assert client.get("/api/v1/people").status_code == 403
    as_user(client, make_user, "regulator", jurisdiction="500106", department="质量监督科")
    assert client.get("/api/v1/people").status_code == 200
    elsewhere = client.post("/api/v1/people", json={**INSPECTOR, "jurisdiction": "110101"}, headers=headers(client))
    assert elsewhere.status_code == 403
    assert client.post("/api/v1/people", json=INSPECTOR, headers=headers(client)).status_code == 201


def test_industry_section_filter(client, enterprises):
    assert len(client.get("/api/v1/enterprises", params={"industry": "C"}).json()["items"]) == 3  # 1391 is in C
    assert client.get("/api/v1/enterprises", params={"industry": "A"}).json()["items"] == []
    assert len(client.get("/api/v1/enterprises", params={"industry": "13"}).json()["items"]) == 3


def test_exports_handle_lists_and_control_characters_and_bad_bodies(client, make_user, rt):
    import io

    from openpyxl import load_workbook

    as_user(client, make_user, "admin")
    client.post(
        "/api/v1/cbs",
        json={"cnca_number": "CNCA-R-2003-004", "name": "名\x0b称", "approved_types": ["QMS", "CCC"]},
        headers=headers(client),
    )
    sheet = load_workbook(io.BytesIO(client.get("/api/v1/cbs", params={"format": "xlsx"}).content)).active
    values = [c.value for c in sheet[2]]
    assert "CCC、QMS" in values and "名\ufffd称" in values
    assert "CCC、QMS" in client.get("/api/v1/cbs", params={"format": "csv"}).content.decode("utf-8-sig")
    for body in (
        {"cnca_number": "CNCA-R-2003-005", "name": "x" * 201},
        {"cnca_number": "CNCA-R-2003-006", "name": "a\x00b"},
        {"cnca_number": "CNCA-R-2003-007", "name": "甲", "uscc": "91500106MA5U000000"},
    ):
        response = client.post("/api/v1/cbs", json=body, headers=headers(client))
        assert response.status_code == 422 and response.json()["zh"], body
    twice = [client.post("/api/v1/people", json=INSPECTOR, headers=headers(client)).status_code for _ in range(2)]
    assert twice == [201, 409]


def test_enterprise_edits_follow_policy_and_import_rules(client, make_user, enterprises, rt):
    eid = enterprises["沙坪坝区恒达食品有限公司"]  # division 500106
    as_user(client, make_user, "enterprise", tenant_id=eid)
    own = client.patch(f"/api/v1/enterprises/{eid}", json={"address": "重庆市沙坪坝区新地址1号"}, headers=headers(client))
    assert own.status_code == 200 and own.json()["address"] == "重庆市沙坪坝区新地址1号"
    assert client.patch(f"/api/v1/enterprises/{eid}", json={"name": "改名公司"}, headers=headers(client)).status_code == 403
    as_user(client, make_user, "regulator", jurisdiction="500103", department="质量监督科")
    assert client.patch(f"/api/v1/enterprises/{eid}", json={"status": "吊销"}, headers=headers(client)).status_code == 403
    as_user(client, make_user, "regulator", jurisdiction="500106", department="质量监督科")
    bad = client.patch(f"/api/v1/enterprises/{eid}", json={"established_date": "2020-02-30"}, headers=headers(client))
    assert bad.status_code == 422 and bad.json()["field"] == "established_date"
    done = client.patch(f"/api/v1/enterprises/{eid}", json={"status": "吊销", "established_date": "2020年1月5日"},
                        headers=headers(client))
    assert done.status_code == 200 and done.json()["status"] == "revoked"
    assert done.json()["established_date"] == "2020-01-05" and done.json()["address"] == "重庆市沙坪坝区新地址1号"
    with rt.db.read() as s:
        tags = [t for t in s.scalars(select(AuditEntry.tag).where(AuditEntry.entity_id == str(eid)))]
    assert tags.count("registry:enterprise:update") == 2

"""Credit over HTTP as the regulator and the public use it (issue 6): enter a penalty, list it, see why the class
is what it is, apply for and review credit repair, and the public profile and list pages before and after."""

from __future__ import annotations

from datetime import timedelta

from support import PASSWORD, district_enterprises, login

from zhiliang import accounts
from zhiliang.kernel.auth import Actor
from zhiliang.registry.service import upsert_enterprises


def _town(rt) -> list[int]:
    records = district_enterprises(12, 3, trade="食品厂", industry="1431")
    with rt.db.begin() as s:
        upsert_enterprises(s, records, Actor.system(), rt.clock.now(), "test")
    for name, role in (("cr-a", "regulator"), ("cr-b", "regulator"), ("cr-admin", "admin")):
        accounts.create_user(rt, username=name, display_name=name, role=role, password=PASSWORD,
                             jurisdiction="500106" if role == "regulator" else None, department="市场监管局")
    from sqlalchemy import select

    from zhiliang.registry.models import Enterprise

    with rt.db.read() as s:
        return list(s.scalars(select(Enterprise.id).order_by(Enterprise.id)))


def bearer(rt, name):
    return {"Authorization": f"Bearer {accounts.issue_token(rt, name, 'test')}"}


def test_penalty_listing_explanation_and_repair_over_http(client, rt):
    ids = _town(rt)
    a, b, admin = bearer(rt, "cr-a"), bearer(rt, "cr-b"), bearer(rt, "cr-admin")
    today = rt.today().isoformat()
    body = {"enterprise_id": ids[0], "indicator": "admin_penalty", "occurred_on": today,
            "decision_no": "沙市监罚〔2026〕31号", "legal_basis": "《食品安全法》第一百二十四条", "amount": "120000",
            "heavier": True, "heavier_penalty": "licence_revoked", "serious": True, "special_field": True}
    assert client.post("/api/v1/credit/records", json=body).status_code in (401, 403)
    bad = client.post("/api/v1/credit/records", json={**body, "indicator": "speeding"}, headers=a)
    assert bad.status_code == 422 and bad.json()["field"] == "indicator" and "speeding" in bad.json()["en"]
    made = client.post("/api/v1/credit/records", json=body, headers=a)
    assert made.status_code == 201, made.text
    record_id = made.json()["id"]
    listed = client.post("/api/v1/credit/listings", json={"record_id": record_id, "basis": "第44号令第二条、第五条"},
                         headers=a)
    assert listed.status_code == 201 and listed.json()["status"] == "listed"
    assert client.post("/api/v1/credit/reclassify", headers=a).status_code == 403  # admins only
    run = client.post("/api/v1/credit/reclassify", headers=admin).json()
    assert run["changed"] == 1 and run["moves"] == {"B>D": 1}

    staff = client.get(f"/api/v1/credit/enterprises/{ids[0]}", headers=a).json()
    assert staff["risk_class"] == "D" and staff["explanation"]["class"] == "D"
    assert {c["indicator"] for c in staff["explanation"]["contributions"]} == {"admin_penalty", "serious_violation"}
    public = client.get(f"/api/v1/credit/enterprises/{ids[0]}").json()
    assert "risk_class" not in public and "records" not in public and public["serious_list"][0]["id"] == \
        listed.json()["id"]
    assert "沙市监罚〔2026〕31号" in client.get(f"/enterprises/{ids[0]}").text  # the profile's credit section
    assert "第44号令第二条" in client.get("/credit/list").text

    csrf = login(client, "cr-a")
    page = client.get(f"/console/credit/enterprises/{ids[0]}")
    assert page.status_code == 200 and 'data-testid="risk-class">D<' in page.text and "serious_violation" not in \
        page.text.split('data-testid="explanation"')[0]
    assert client.get("/console/credit").status_code == 200
    applied = client.post("/console/credit/repairs", data={
        "csrf_token": csrf, "enterprise_id": str(ids[0]), "listing_id": str(listed.json()["id"]),
        "obligations_fulfilled": "true", "harm_remedied": "true", "commitment_letter": "守信承诺"},
        follow_redirects=False)
    assert applied.status_code == 303
    pending = client.get("/api/v1/credit/repairs", headers=b).json()["items"]
    assert len(pending) == 1 and pending[0]["submitted_by"] == "cr-a"
    own = client.post(f"/api/v1/credit/repairs/{pending[0]['id']}/review", json={"grant": True}, headers=a)
    assert own.status_code == 403  # not the one who entered it
    early = client.post(f"/api/v1/credit/repairs/{pending[0]['id']}/review", json={"grant": True}, headers=b)
    assert early.status_code == 409 and "1 year" in early.json()["en"]
    rt.clock.advance(days=370)
    granted = client.post(f"/api/v1/credit/repairs/{pending[0]['id']}/review", json={"grant": True}, headers=b)
    assert granted.status_code == 200 and granted.json()["status"] == "granted"
    assert client.get("/api/v1/credit/listings").json()["items"] == []
    assert "第44号令第二条" not in client.get("/credit/list").text
    dist = client.get("/api/v1/credit/distribution?by=division", headers=a).json()
    assert dist["rows"] == [{"key": "500106", "A": 0, "B": 2, "C": 0, "D": 1}]  # stored until the next run
    assert client.get("/api/v1/credit/distribution").status_code in (401, 403)
    assert client.get("/api/v1/credit/institutions?kind=lab").status_code in (401, 403)
    assert client.get("/api/v1/credit/institutions?kind=lab", headers=a).json() == {"kind": "lab", "items": []}
    bad_kind = client.post("/api/v1/credit/institutions/records", json={
        "kind": "cb", "institution_id": 99, "indicator": "regulator_withdrawal", "occurred_on": rt.today().isoformat()},
        headers=a)
    assert bad_kind.status_code == 404
    assert client.get("/console/credit/institutions?kind=cb").status_code == 200
    assert (rt.today() - timedelta(days=370)).isoformat() == today

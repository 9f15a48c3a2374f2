"""The quality tools over HTTP (issue 9 points 3–5): an enterprise uploads process data and charts them through the
API and the page; charts as SVG and PNG and the report as PDF; bad input as 422 problem+json naming the cell or
parameter; tenant rules; the public acceptance-sampling calculator."""

from __future__ import annotations

import json
from pathlib import Path

from support import login

from zhiliang import accounts

PISTON = json.loads((Path(__file__).resolve().parents[1] / "vectors" / "spc_reference.json").read_text(
    encoding="utf-8"))["datasets"]["pistonrings"]["phase1_subgroups_1_to_25"]
WIDE = ("x1,x2,x3,x4,x5\n" + "\n".join(",".join(map(str, g)) for g in PISTON) + "\n").encode()


def bearer(rt, name):
    return {"Authorization": f"Bearer {accounts.issue_token(rt, name, 'test')}"}


def users(rt, make_user, enterprises):
    ids = sorted(enterprises.values())
    return ({role: bearer(rt, make_user(role, **binding)) for role, binding in (
        ("enterprise", {"tenant_id": ids[0]}), ("admin", {}), ("regulator", {"jurisdiction": "500106", "department": "质量科"}))}
        | {"other": bearer(rt, make_user("enterprise", tenant_id=ids[1]))}), ids


def upload(client, headers, body=WIDE, name="d.csv"):
    return client.post("/api/v1/tqm/datasets", files={"file": (name, body, "text/csv")}, data={"name": "活塞环"},
                       headers=headers)


def test_upload_chart_report_and_tenant_rules(client, rt, make_user, enterprises):
    h, ids = users(rt, make_user, enterprises)
    assert upload(client, {}).status_code == 401
    assert upload(client, h["regulator"]).status_code == 403
    made = upload(client, h["enterprise"])
    assert made.status_code == 201, made.text
    dataset = made.json()
    assert dataset["enterprise_id"] == ids[0] and dataset["rows"] == 25 and dataset["columns"][4]["letter"] == "E"
    body = {"chart": "xbar-r", "columns": ["A", "B", "C", "D", "E"], "lsl": 73.95, "usl": 74.05}
    result = client.post(f"/api/v1/tqm/datasets/{dataset['id']}/analyses", json=body, headers=h["enterprise"])
    assert result.status_code == 201, result.text
    analysis = result.json()
    xbar = analysis["result"]["panels"][0]
    assert round(xbar["ucl"][0], 4) == 74.0143 and analysis["result"]["capability"]["cp"]["value"] > 1.6

    svg = client.get(analysis["links"]["svg"], headers=h["enterprise"])
    assert svg.headers["content-type"].startswith("image/svg+xml") and "均值-极差控制图" in svg.text
    png = client.get(analysis["links"]["png"], headers=h["enterprise"])
    assert png.headers["content-type"] == "image/png" and png.content[:4] == b"\x89PNG"
    pdf = client.get(analysis["links"]["pdf"], headers=h["enterprise"])
    assert pdf.headers["content-type"] == "application/pdf" and pdf.content[:4] == b"%PDF"

    listed = client.get("/api/v1/tqm/analyses", headers=h["enterprise"]).json()["items"]
    assert [a["id"] for a in listed] == [analysis["id"]] and "result" not in listed[0]
    assert client.get("/api/v1/tqm/analyses", headers=h["other"]).json()["items"] == []
    for who, status in (("other", 404), ("regulator", 404), ("admin", 200)):
        assert client.get(f"/api/v1/tqm/analyses/{analysis['id']}", headers=h[who]).status_code == status, who
        assert client.get(analysis["links"]["png"], headers=h[who]).status_code == status, who
    assert client.get(f"/api/v1/tqm/analyses/{analysis['id']}").status_code == 404
    other = client.post(f"/api/v1/tqm/datasets/{dataset['id']}/analyses", json=body, headers=h["other"])
    assert other.status_code == 404
    assert client.get(f"/api/v1/tqm/datasets/{dataset['id']}", headers=h["enterprise"]).json()["analyses"][0][
        "id"] == analysis["id"]


def test_bad_input_is_a_problem_naming_the_cell_or_parameter(client, rt, make_user, enterprises):
    h, _ = users(rt, make_user, enterprises)
    bad = upload(client, h["enterprise"], WIDE.replace(b"74.019", b"74.O19", 1))
    assert bad.status_code == 422 and bad.headers["content-type"] == "application/problem+json"
    problem = bad.json()
    assert (problem["field"], problem["row"], problem["column"]) == ("file/2/C", 2, "C")
    assert problem["zh"].startswith("第 2 行 C 列") and problem["en"].startswith("row 2, column C")
    assert client.get("/api/v1/tqm/datasets", headers=h["enterprise"]).json()["items"] == []  # nothing stored

    dataset = upload(client, h["enterprise"]).json()["id"]
    url = f"/api/v1/tqm/datasets/{dataset}/analyses"
    cases = [({"chart": "capability", "columns": ["A"], "lsl": 74.05, "usl": 73.95}, "lsl"),
             ({"chart": "xbar-r", "columns": ["A"], "subgroup_size": 4}, "file/26/A"),
             ({"chart": "xbar-r", "columns": ["A"]}, "subgroup_size"),
             ({"chart": "xbar-r", "columns": ["A", "B"], "rules": "magic"}, "rules"),
             ({"chart": "p", "columns": ["A"], "size": 5}, "file/2/A"),
             ({"chart": "xbar-r", "columns": ["A"], "colour": "red"}, "colour")]
    for body, field in cases:
        answer = client.post(url, json=body, headers=h["enterprise"])
        assert answer.status_code == 422 and answer.json()["field"] == field, (body, answer.json())
        assert answer.json()["zh"] and answer.json()["en"]
    few = client.post(url, json={"chart": "xbar-r", "columns": ["A", "B"], "subgroup_size": None},
                      headers=h["enterprise"]).json()["result"]
    assert few["warnings"] == []


def test_too_few_subgroups_over_http(client, rt, make_user, enterprises):
    h, _ = users(rt, make_user, enterprises)
    dataset = upload(client, h["enterprise"], b"x1,x2\n1,2\n").json()["id"]
    answer = client.post(f"/api/v1/tqm/datasets/{dataset}/analyses", json={"chart": "xbar-r", "columns": ["x1", "x2"]},
                         headers=h["enterprise"])
    assert answer.status_code == 422 and answer.json()["code"] == "tqm.input.too_few_subgroups"


def test_the_pages(client, rt, make_user, enterprises):
    ids = sorted(enterprises.values())
    name = make_user("enterprise", tenant_id=ids[0])
    assert client.get("/tqm", follow_redirects=False).status_code == 303  # log in first
    csrf = login(client, name)
    page = client.get("/tqm")
    assert page.status_code == 200 and 'action="/tqm/analyses"' in page.text
    form = {"csrf_token": csrf, "name": "活塞环", "chart": "xbar-r", "columns": "x1,x2,x3,x4,x5", "lsl": "73.95",
            "usl": "74.05"}
    bad = client.post("/tqm/analyses", data={**form, "lsl": "74.1", "usl": "74"},
                      files={"file": ("d.csv", WIDE, "text/csv")})
    assert bad.status_code == 422 and "规格下限 LSL=74.1 必须小于规格上限 USL=74" in bad.text
    assert 'value="x1,x2,x3,x4,x5"' in bad.text  # the form comes back filled in
    cell = client.post("/tqm/analyses", data=form, files={"file": ("d.csv", WIDE.replace(b"74.002", b"N/A", 1),
                                                                     "text/csv")})
    assert cell.status_code == 422 and "第 2 行 B 列" in cell.text
    made = client.post("/tqm/analyses", data=form, files={"file": ("d.csv", WIDE, "text/csv")},
                       follow_redirects=False)
    assert made.status_code == 303
    report = client.get(made.headers["location"])
    assert report.status_code == 200 and "均值-极差控制图" in report.text and "Cpk" in report.text
    assert 'data-testid="pdf"' in report.text


def test_acceptance_sampling_is_public(client):
    plan = client.get("/api/v1/tqm/aql", params={"lot": 1000, "level": "II", "aql": "0.65"}).json()
    assert (plan["code_letter"], plan["n"], plan["ac"], plan["re"]) == ("J", 80, 1, 2)
    bad = client.get("/api/v1/tqm/aql", params={"lot": 1000, "aql": "0.7"})
    assert bad.status_code == 422 and bad.json()["field"] == "aql"
    assert client.get("/api/v1/tqm/aql", params={"lot": 1, "aql": "0.65"}).json()["field"] == "lot"
    page = client.get("/tqm/aql", params={"lot": "1000", "level": "II", "aql": "0.65"})
    assert page.status_code == 200 and 'data-testid="n">80<' in page.text
    wrong = client.get("/tqm/aql", params={"lot": "many", "aql": "0.65"})
    assert wrong.status_code == 422 and "批量应为正整数" in wrong.text

"""The HTTP surface: pages and their JSON twins, problem+json errors, login, CSRF, tokens, exports, audit."""

from __future__ import annotations

import csv
import io
import re

from openpyxl import load_workbook
from support import login


def test_home_is_chinese_first_with_english_switch(client, enterprises):
    zh = client.get("/")
    assert zh.status_code == 200 and "企业查询" in zh.text and 'lang="zh-CN"' in zh.text
    switched = client.get("/lang/en", follow_redirects=True)
    assert "Enterprise search" in switched.text
    assert "Enterprise search" in client.get("/?lang=en").text


def test_search_page_and_its_json_twin_agree(client, enterprises):
    page = client.get("/enterprises", params={"q": "食品"})
    api = client.get("/api/v1/enterprises", params={"q": "食品"}).json()
    assert [i["name"] for i in api["items"]] == ["沙坪坝区恒达食品有限公司", "渝中区鑫源食品加工厂"]
    for item in api["items"]:
        assert f'/enterprises/{item["id"]}' in page.text


def test_profile_escapes_stored_markup(client, enterprises):
    eid = enterprises["<script>alert('x')</script>科技有限公司"]
    page = client.get(f"/enterprises/{eid}")
    assert "<script>alert" not in page.text and "&lt;script&gt;" in page.text
    assert client.get(f"/api/v1/enterprises/{eid}").json()["name"].startswith("<script>")


def test_errors_are_problem_json_in_both_languages(client):
    missing = client.get("/api/v1/enterprises/999999")
    assert missing.status_code == 404 and missing.headers["content-type"] == "application/problem+json"
    body = missing.json()
    assert body["status"] == 404 and "未找到" in body["zh"] and "not found" in body["en"]
    bad = client.get("/api/v1/enterprises", params={"limit": 0})
    assert bad.status_code == 422 and bad.json()["field"] == "limit" and bad.json()["zh"]
    page = client.get("/enterprises/999999")
    assert page.status_code == 404 and "未找到" in page.text


def test_login_csrf_and_console(client, make_user):
    user = make_user("regulator", jurisdiction="500106", department="质量监督科")
    assert client.get("/console", follow_redirects=False).status_code == 303
    wrong = client.post("/login", data={"username": user, "password": "nope-nope"})
    assert wrong.status_code == 401
    token = login(client, user)
    assert client.get("/console").status_code == 200
    refused = client.post("/console/tokens", data={"name": "x"})
    assert refused.status_code == 403 and "csrf" in refused.text.lower() or "刷新" in refused.text
    made = client.post("/console/tokens", data={"name": "x", "csrf_token": token})
    assert made.status_code == 200 and "zl_" in made.text


def test_public_users_cannot_reach_the_console(client, make_user):
    login(client, make_user("public"))
    assert client.get("/console").status_code == 403
    assert client.get("/api/v1/enterprises", params={"format": "csv"}).status_code == 403


def test_api_token_works_without_csrf_and_bad_token_is_401(client, make_user, rt, tmp_path):
    from zhiliang import accounts

    user = make_user("admin")
    secret = accounts.issue_token(rt, user, "integration")
    csv_bytes = "统一社会信用代码,企业名称,登记状态\n91500106MA5U000000,坏,存续\n".encode()
    response = client.post("/api/v1/imports/enterprises", files={"file": ("e.csv", csv_bytes, "text/csv")},
                           headers={"Authorization": f"Bearer {secret}"})
    assert response.status_code == 201, response.text
    job = response.json()
    assert job["rejected"] == 1
    errors = client.get(f"/api/v1/imports/{job['id']}/errors", headers={"Authorization": f"Bearer {secret}"})
    assert errors.json()[0]["code"] == "uscc.check_digit"
    bad = client.get("/api/v1/stats", headers={"Authorization": "Bearer zl_wrong"})
    assert bad.status_code == 401 and bad.json()["zh"]


def test_console_upload_shows_error_report_and_downloads(client, make_user):
    token = login(client, make_user("admin"))
    content = ("统一社会信用代码,企业名称,登记状态\n"
               "91500106MA5U000000,坏代码,存续\n").encode("gbk")
    done = client.post("/console/import", data={"csrf_token": token},
                       files={"file": ("坏数据.csv", content, "text/csv")})
    assert done.status_code == 200 and "统一社会信用代码校验位错误" in done.text
    job_id = done.url.path.rsplit("/", 1)[1]
    report = client.get(f"/api/v1/imports/{job_id}/errors", params={"format": "csv"})
    rows = list(csv.reader(io.StringIO(report.content.decode("utf-8-sig"))))
    assert rows[0][0] == "行号 Row" and rows[1][0] == "2"
    xlsx = client.get(f"/api/v1/imports/{job_id}/errors", params={"format": "xlsx"})
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    assert sheet.cell(2, 1).value == 2


def test_exports_of_lists(client, make_user, enterprises):
    login(client, make_user("regulator", jurisdiction="500000", department="质量监督科"))
    response = client.get("/api/v1/enterprises", params={"q": "食品", "format": "csv"})
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:2] == ["统一社会信用代码", "企业名称"] and len(rows) == 3
    xlsx = client.get("/api/v1/enterprises", params={"format": "xlsx"})
    assert load_workbook(io.BytesIO(xlsx.content)).active.max_row == 4
    for kind in ("cbs", "labs", "people", "products"):
        assert client.get(f"/api/v1/{kind}", params={"format": "csv"}).status_code == 200


def test_audit_trail_for_admins_only(client, make_user, enterprises):
    login(client, make_user("regulator", jurisdiction="500000", department="质量监督科"))
    assert client.get("/console/audit").status_code == 403
    client.cookies.clear()
    login(client, make_user("admin"))
    page = client.get("/console/audit", params={"tag": "registry:enterprise"})
    assert page.status_code == 200 and "registry:enterprise:create" in page.text
    api = client.get("/api/v1/audit", params={"tag": "registry:enterprise:create"}).json()
    assert len(api["items"]) == 3 and api["items"][0]["after"]["name"]
    export = client.get("/api/v1/audit", params={"format": "csv", "tag": "kernel:user"})
    assert "kernel:user:create" in export.content.decode("utf-8-sig")


def test_openapi_docs(client):
    assert client.get("/api/docs").status_code == 200
    paths = client.get("/api/openapi.json").json()["paths"]
    assert {"/api/v1/enterprises", "/api/v1/enterprises/{enterprise_id}", "/api/v1/imports/enterprises"} <= set(paths)


def test_upload_over_the_limit_is_refused_and_writes_nothing(client, make_user, settings):
    from sqlalchemy import func, select

    from zhiliang.registry.models import Enterprise, ImportJob

    settings.upload_max_mb = 1
    token = login(client, make_user("admin"))
    big = b"\xe7\xbb\x9f" * (400_000)  # ~1.2 MB of UTF-8
    response = client.post("/api/v1/imports/enterprises", files={"file": ("big.csv", big, "text/csv")},
                           headers={"X-CSRF-Token": token})
    assert response.status_code == 413 and "1 MB" in response.json()["zh"]
    uploads = settings.data_dir / "uploads"
    assert not uploads.exists() or not any(uploads.iterdir())
    db = client.app.state.runtime.db
    with db.read() as s:
        assert s.scalar(select(func.count()).select_from(ImportJob)) == 0
        assert s.scalar(select(func.count()).select_from(Enterprise)) == 0


def test_import_jobs_list_exports_and_logins_are_audited(client, make_user):
    user = make_user("admin")
    token = login(client, user)
    client.post("/console/import", data={"csrf_token": token},
                files={"file": ("a.csv", "统一社会信用代码,企业名称,登记状态\n".encode(), "text/csv")})
    jobs = client.get("/api/v1/imports").json()
    assert jobs[0]["file_name"] == "a.csv"
    exported = client.get("/api/v1/imports", params={"format": "csv"}).content.decode("utf-8-sig")
    assert "a.csv" in exported and exported.splitlines()[0].startswith("id,")
    logins = client.get("/api/v1/audit", params={"tag": "kernel:session:create"}).json()["items"]
    assert logins and logins[0]["actor"] == user


def test_out_of_range_and_nul_input_are_clear_errors_not_500s(client, make_user, enterprises):
    huge = str(2**70)
    for url, params in (("/api/v1/enterprises", {"after": huge}), ("/api/v1/enterprises", {"after": huge, "q": "食品"}),
                        (f"/api/v1/enterprises/{huge}", {}), (f"/enterprises/{huge}", {}),
                        ("/api/v1/enterprises", {"status": "\x00"}), ("/api/v1/enterprises", {"division": "a\x00"})):
        response = client.get(url, params=params)
        assert response.status_code in (400, 422), (url, params, response.status_code)
    login(client, make_user("admin"))
    for params in ({"until": "9999-12-31"}, {"since": "0001-01-01"}, {"tag": "\x00"}, {"after": huge}):
        assert client.get("/api/v1/audit", params=params).status_code in (400, 422), params
    assert client.get(f"/api/v1/imports/{huge}/errors").status_code == 422
    client.cookies.clear()
    assert client.post("/login", data={"username": "a\x00b", "password": "whatever1"}).status_code == 401


def test_oversized_bodies_are_refused_before_they_are_read(settings, db, clock):
    from fastapi.testclient import TestClient

    from zhiliang.app import create_app

    settings.upload_max_mb = 1
    with TestClient(create_app(settings, db=db, clock=clock)) as anonymous:
        response = anonymous.post("/api/v1/imports/enterprises", content=b"x" * (3 << 20),
                                  headers={"content-type": "multipart/form-data; boundary=zz"})
    assert response.status_code == 413 and response.json()["code"] == "upload.too_large"
    assert not (settings.data_dir / "uploads").exists()


def test_console_token_revoke(client, make_user):
    token = login(client, make_user("admin"))
    page = client.post("/console/tokens", data={"name": "ci", "csrf_token": token})
    secret = re.search(r'data-testid="new-token">([^<]+)<', page.text).group(1)
    assert client.get("/api/v1/stats", headers={"Authorization": f"Bearer {secret}"}).status_code == 200
    token_id = re.search(r'/console/tokens/(\d+)/revoke', page.text).group(1)
    client.post(f"/console/tokens/{token_id}/revoke", data={"csrf_token": token})
    assert client.get("/api/v1/stats", headers={"Authorization": f"Bearer {secret}"}).status_code == 401
    tags = [e["tag"] for e in client.get("/api/v1/audit", params={"tag": "kernel:token"}).json()["items"]]
    assert tags == ["kernel:token:revoke", "kernel:token:create"]

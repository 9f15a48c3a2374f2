"""Browser tests: a real server on a free port, driven with Playwright in Debian's chromium (no browser download).

Without chromium the tests are skipped, unless ZHILIANG_E2E=required (as .ci/run sets), when they fail.
"""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator

import pytest
import uvicorn

from zhiliang.app import create_app
from zhiliang.kernel.config import Settings
from zhiliang.kernel.db import Database, make_engine
from zhiliang.kernel.migrate import upgrade
from zhiliang.kernel.runtime import Runtime

CHROMIUM_FLAGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/e2e" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)


def chromium_path() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    path = chromium_path()
    if path is None:
        if os.environ.get("ZHILIANG_E2E") == "required":
            pytest.fail("chromium is not installed but ZHILIANG_E2E=required")
        pytest.skip("chromium not installed (apt-get install chromium); .ci/run installs it")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=path, args=CHROMIUM_FLAGS)
        yield browser
        browser.close()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Runtime, dict[str, tuple[str, str]]]]:
    """A served platform on a fresh SQLite file with a small demo city; yields (base URL, runtime, logins)."""
    from zhiliang import demo

    data = tmp_path_factory.mktemp("e2e")
    settings = Settings(data_dir=data, database_url=f"sqlite:///{data / 'e2e.db'}", _env_file=None)
    engine = make_engine(settings.resolved_database_url())
    upgrade(engine)
    rt = Runtime.build(settings, Database(engine))
    logins = {role: (user, password) for role, user, password in
              demo.build(rt, seed=7, scale=0.02, echo=lambda *_: None)}
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(settings, db=rt.db), host="127.0.0.1", port=port,
                                           log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}", rt, logins
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture
def page(browser: object, live: tuple) -> Iterator[object]:
    context = browser.new_context(locale="zh-CN")  # type: ignore[attr-defined]
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


@pytest.fixture
def base_url(live: tuple) -> str:
    return live[0]


@pytest.fixture
def logins(live: tuple) -> dict[str, tuple[str, str]]:
    return live[2]

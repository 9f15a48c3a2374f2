"""``zhiliang credit`` commands as an operator runs them: import, reclassify, explain, and the scheduled loop."""

from __future__ import annotations

import json
import subprocess
import time
from pathlib import Path

from sqlalchemy import text
from support import ZHILIANG, zl

from zhiliang.credit import scoring
from zhiliang.demo.generate import write_enterprise_csv
from zhiliang.kernel import locks


def test_import_reclassify_explain_and_the_daily_loop(committed, tmp_path: Path):
    engine, env = committed
    csv = tmp_path / "e.csv"
    write_enterprise_csv(csv, 20, seed=5)
    assert zl(env, "import", "enterprises", str(csv)).returncode == 0
    with engine.connect() as c:
        first, second = [r[0] for r in c.execute(text("SELECT uscc FROM enterprise ORDER BY id LIMIT 2"))]
    records = tmp_path / "records.csv"
    records.write_text("统一社会信用代码,信用指标,处罚日期,处罚决定书文号,从重\n"
                       f"{first},行政处罚,2026-06-01,渝市监罚〔2026〕501号,是\n"
                       f"{first},列入经营异常名录,2026-07-01,,否\n"
                       f"{second},行政处罚,明天,渝市监罚〔2026〕502号,否\n", encoding="utf-8")
    imported = zl(env, "credit", "import", str(records))
    assert imported.returncode == 0 and "created 2" in imported.stdout and "rejected 1" in imported.stdout
    assert "row 4 日期: 日期无法识别 / unreadable date" in imported.stdout, imported.stdout

    run = zl(env, "credit", "reclassify")
    assert run.returncode == 0, run.stderr
    result = json.loads(run.stdout.strip().splitlines()[-1])
    # the penalty (从重) decays with the real date the command runs on: C or D, but moved off B alone
    assert result["changed"] == 1 and set(result["moves"]) <= {"B>C", "B>D"}, result
    why = zl(env, "credit", "explain", first)
    assert why.returncode == 0 and "admin_penalty" in why.stdout and "abnormal_operation" in why.stdout
    assert zl(env, "credit", "explain", "91500000MA00000000").returncode == 1

    with locks.exclusive(engine, scoring.LOCK_NAME):  # another reclassification is running
        busy = zl(env, "credit", "reclassify")
    assert busy.returncode == 1 and "Another run of this job is in progress" in busy.stderr + busy.stdout

    loop = subprocess.Popen([*ZHILIANG, "credit", "run", "--every", "0.2", "--at", "00:00"], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = loop.stdout.readline()  # the daily run happens at once (past 00:00), then intake every 0.2 s
        assert json.loads(line)["changed"] == 0 and json.loads(line)["events_read"] >= 1
        time.sleep(0.5)
        assert loop.poll() is None  # still running: the schedule
    finally:
        loop.terminate()
        loop.wait(timeout=10)

"""The demo city: a synthetic 重庆市 with enterprises, CBs, labs, inspectors, products and one login per role.

``zhiliang demo`` calls :func:`build`. Everything is synthetic (SPEC: demo city) and deterministic for a seed;
pure generation is in :mod:`zhiliang.demo.generate`, database writes in :mod:`zhiliang.demo.load`.

Demo logins (documented in the CLI output and here; change or disable them on anything public):

=============  ================  =====================
role           username          password
=============  ================  =====================
admin          demo-admin        demo-admin-2026
regulator      demo-city         demo-city-2026       (重庆市 500000, 质量监督科)
regulator      demo-district     demo-district-2026   (沙坪坝区 500106, 质量监督科)
enterprise     demo-enterprise   demo-enterprise-2026 (an active manufacturer in 沙坪坝区)
cb             demo-cb           demo-cb-2026         (the first demo CB)
lab            demo-lab          demo-lab-2026        (the first demo laboratory)
public         demo-public       demo-public-2026
=============  ================  =====================
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import func, select

from zhiliang import accounts
from zhiliang.certificates.domain import Status
from zhiliang.certificates.models import Certificate
from zhiliang.demo import certs, credit, generate, inspections, load, sampling
from zhiliang.kernel import audit
from zhiliang.kernel.auth import Actor
from zhiliang.kernel.runtime import Runtime
from zhiliang.ledger import service as ledger
from zhiliang.registry import directory
from zhiliang.registry.models import CertificationBody, Laboratory

__all__ = ["LOGINS", "Login", "build"]

ACTOR_LABEL = "demo"
QUALITY_DEPARTMENT = "质量监督科"


@dataclass(frozen=True)
class Login:
    role: str
    username: str
    password: str
    display_name: str
    tenant: str | None = None  # "enterprise", "cb" or "lab": bound to the demo's pick of that kind
    jurisdiction: str | None = None
    department: str | None = None


LOGINS = (
    Login("admin", "demo-admin", "demo-admin-2026", "演示管理员"),
    Login("regulator", "demo-city", "demo-city-2026", "重庆市局演示账号", jurisdiction="500000",
          department=QUALITY_DEPARTMENT),
    Login("regulator", "demo-district", "demo-district-2026", "沙坪坝区局演示账号", jurisdiction="500106",
          department=QUALITY_DEPARTMENT),
    Login("enterprise", "demo-enterprise", "demo-enterprise-2026", "企业演示账号", tenant="enterprise"),
    Login("cb", "demo-cb", "demo-cb-2026", "认证机构演示账号", tenant="cb"),
    Login("lab", "demo-lab", "demo-lab-2026", "检验检测机构演示账号", tenant="lab"),
    Login("public", "demo-public", "demo-public-2026", "公众演示账号"),
)


def build(rt: Runtime, *, seed: int = 2026, scale: float = 1.0,
          echo: Callable[[str], Any] = print) -> list[tuple[str, str, str]]:
    """Build (or complete) the demo city for ``seed`` at ``scale`` and return one (role, username, password) per login.

    Idempotent: a second run with the same seed on the same day writes nothing — enterprises are upserted
    (unchanged rows write no row, audit entry or event), other records and users are inserted only when missing.
    Established dates run up to 30 days before ``rt.today()``, so a run on a later day updates those dates.
    Certificates (about 30,000 at scale 1, :mod:`zhiliang.demo.certs`) are issued by each CB through the
    certificates' use cases, only those whose CB id (``cb_ref``) is missing; a few forged numbers are looked up
    once, so the counterfeit-signal page has rows, and printed.
    Raises ValueError unless ``scale`` > 0. Cost at scale 1 on SQLite (2 shared cores): about 2 minutes — 20,000
    enterprises in about 15 s, 30,000 certificates in about 95 s (the certificates service writes row by row).
    """
    counts = generate.Counts.for_scale(scale)
    actor = Actor.system(ACTOR_LABEL)
    echo(f"demo city 重庆市, seed {seed}, scale {scale:g}: {counts.enterprises:,} enterprises")
    until = rt.today() - timedelta(days=30)
    tally = load.enterprises(rt, seed, counts.enterprises, until, actor, echo)
    cb_rows = generate.cbs(seed, counts.cbs)
    lab_rows = generate.labs(seed, counts.labs)
    added = {
        "enterprises": tally.created, "products": tally.products,
        "cbs": load.insert_missing(rt, CertificationBody, "cnca_number", cb_rows, directory.register_cb),
        "labs": load.insert_missing(rt, Laboratory, "cma_number", lab_rows, directory.register_lab),
        "people": load.people(rt, generate.people(seed, counts.inspectors, counts.experts, counts.auditors, cb_rows)),
    }
    picks = {"enterprise": tally.login_uscc, "cb": cb_rows[0]["cnca_number"], "lab": lab_rows[0]["cma_number"]}
    added["users"] = sum(_ensure_user(rt, login, picks) for login in LOGINS)
    added["certificates"] = _certificates(rt, seed, counts.enterprises, until, cb_rows, echo)
    added["inspections"] = _inspections(rt, seed, echo)
    added["samples"] = _sampling(rt, seed, scale, echo)
    added["credit_records"] = credit.load(rt, seed, generate.enterprises(seed, counts.enterprises, until),
                                          echo).penalties
    _audit(rt, seed, scale, added)
    # Log the city's events now, so the ledger page and proofs work before the server's sequencer starts.
    logged = ledger.catch_up(rt.db, ledger.load_signer(rt.settings), rt.settings.ledger_origin, rt.clock,
                             limit=rt.settings.ledger_batch_size)
    echo(f"ledger 防篡改记录: {logged:,} events logged")
    echo(_summary({**load.totals(rt), "certificates": sum(_certificate_statuses(rt).values()),
                   **inspections.counts(rt)}, added))
    return [(login.role, login.username, login.password) for login in LOGINS]


def _certificates(rt: Runtime, seed: int, n: int, until: date, cb_rows: list[dict[str, Any]],
                  echo: Callable[[str], Any]) -> int:
    """Issue the city's certificates, expire the due ones, look up the forgeries; returns how many were issued."""
    tally = certs.load(rt, seed, generate.enterprises(seed, n, until), cb_rows, echo)
    statuses = ", ".join(f"{k:,} {s}" for s, k in _certificate_statuses(rt).items())
    echo(f"certificates 证书: {tally.created:,} issued, {tally.changes:,} status changes, {tally.expired:,} expired "
         f"in this run; now {statuses}")
    for problem in tally.rejected[:5]:
        echo(f"  rejected: {problem}")
    forgeries = certs.forged(rt, seed)
    certs.look_up_forgeries(rt, forgeries)
    echo("forged certificates for /verify (counterfeit signals 伪造/冒用):")
    for f in forgeries:
        echo(f"  {f.verdict:<16} {f.number:<20} {f.claimed or '(no holder given)'}")
    return tally.created


def _inspections(rt: Runtime, seed: int, echo: Callable[[str], Any]) -> int:
    """Run the demo year's inspection plans (:mod:`zhiliang.demo.inspections`); returns the rows added."""
    tally = inspections.load(rt, seed, echo)
    stages = ", ".join(f"{code} {status}" for code, status in tally.stages.items())
    echo(f"inspections 双随机抽查: {tally.items} items, {tally.plans} plans, {tally.findings:,} findings, "
         f"{tally.published:,} results published, {tally.risk_classes:,} risk classes set, {tally.inspectors} "
         f"inspectors added in this run; plans: {stages}")
    return tally.added


def _sampling(rt: Runtime, seed: int, scale: float, echo: Callable[[str], Any]) -> int:
    """Two years of supervision sampling (:mod:`zhiliang.demo.sampling`); returns the samples added."""
    tally = sampling.load(rt, seed, scale)
    statuses = ", ".join(f"{n:,} {status}" for status, n in sorted(tally.by_status.items()))
    echo(f"sampling 监督抽查: {tally.samples:,} samples, {tally.published:,} results published, {tally.objections} "
         f"objections, {tally.disposals:,} disposals added in this run; now {statuses}")
    return tally.samples


def _certificate_statuses(rt: Runtime) -> dict[str, int]:
    """How many certificates have each recorded status, in the lifecycle's order."""
    with rt.db.read() as session:
        found = dict(session.execute(select(Certificate.status, func.count()).group_by(Certificate.status)).all())
    return {s.value: found.get(s.value, 0) for s in Status}


def _ensure_user(rt: Runtime, login: Login, picks: dict[str, str | None]) -> bool:
    """Create the login's user unless its username exists; True when created."""
    if load.user_exists(rt, login.username):
        return False
    tenant = None
    if login.tenant is not None:
        model, column = load.MODELS[login.tenant]
        tenant = load.tenant_id(rt, model, column, picks[login.tenant])
    accounts.create_user(rt, username=login.username, display_name=login.display_name, role=login.role,
                         password=login.password, tenant_id=tenant, jurisdiction=login.jurisdiction,
                         department=login.department, actor_label=ACTOR_LABEL)
    return True


def _audit(rt: Runtime, seed: int, scale: float, added: dict[str, int]) -> None:
    if not any(added.values()):
        return
    with rt.db.begin() as session:
        audit.record(session, at=rt.clock.now(), actor_id=None, actor_label=ACTOR_LABEL, tag="demo:city:build",
                     entity_type="demo_city", entity_id=seed, after={"scale": scale, **added})


def _summary(totals: dict[str, int], added: dict[str, int]) -> str:
    new = sum(added.values())
    counts = ", ".join(f"{n:,} {kind}" for kind, n in totals.items())
    return f"demo city ready: {counts} ({new:,} rows added in this run)"

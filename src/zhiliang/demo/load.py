"""Writing the demo city into the database: every step inserts only what is missing, so a re-run adds nothing.

Enterprises go through the registry's :func:`upsert_enterprises` (events, audit and search index included) in
transactions of :data:`BATCH` records; CBs, labs, people and products are inserted directly (the registry has no
use case for them yet), keyed by their natural numbers: CNCA approval number, CMA number, ID number, and for
products the enterprise (an enterprise that already has products gets none).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from inspect import signature
from itertools import islice
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from zhiliang.demo import generate
from zhiliang.kernel.auth import Actor, User
from zhiliang.kernel.runtime import Runtime
from zhiliang.registry import directory
from zhiliang.registry.domain import EnterpriseRecord
from zhiliang.registry.models import CertificationBody, Enterprise, Laboratory, Person, Product
from zhiliang.registry.service import upsert_enterprises

BATCH = 2000
LOGIN_DISTRICT = "500106"  # the district regulator's; the enterprise login is picked there


@dataclass
class EnterpriseTally:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    products: int = 0
    login_uscc: str | None = None


def _batches(items: Iterable[EnterpriseRecord], size: int) -> Iterator[list[EnterpriseRecord]]:
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch


def enterprises(rt: Runtime, seed: int, n: int, until: date, actor: Actor,
                echo: Callable[[str], Any]) -> EnterpriseTally:
    """Upsert ``n`` generated enterprises and give new manufacturing ones their products; one transaction a batch.

    Also picks the enterprise the demo's enterprise user is bound to (see :func:`_login_candidate`).
    Cost: about half a second per 2,000 enterprises on SQLite (2 cores).
    """
    tally, fallback = EnterpriseTally(), None
    for batch in _batches(generate.enterprises(seed, n, until), BATCH):
        made = {r.uscc: generate.products(seed, r) for r in batch}
        with rt.db.begin() as session:
            result = upsert_enterprises(session, batch, actor, rt.clock.now(), source=f"demo:{seed}")
            tally.products += _add_products(session, {u: p for u, p in made.items() if p}, rt.clock.now())
        tally.created += len(result.created)
        tally.updated += len(result.updated)
        tally.unchanged += len(result.unchanged)
        fallback = fallback or batch[0].uscc
        tally.login_uscc = tally.login_uscc or _login_candidate(batch, made)
        echo(f"  enterprises {tally.created + tally.updated + tally.unchanged:,}/{n:,}")
    tally.login_uscc = tally.login_uscc or fallback
    return tally


def _login_candidate(batch: list[EnterpriseRecord], made: dict[str, list]) -> str | None:
    """The first active manufacturing company of the district regulator's district: its pages have content."""
    return next((r.uscc for r in batch if made[r.uscc] and r.division_code == LOGIN_DISTRICT
                 and r.status == "active" and r.entity_type == "enterprise"), None)


def _add_products(session: Session, made: dict[str, list[dict[str, Any]]], at: datetime) -> int:
    if not made:
        return 0
    found = session.execute(select(Enterprise.uscc, Enterprise.id).where(Enterprise.uscc.in_(list(made))))
    ids = {uscc: id_ for uscc, id_ in found}
    have = set(session.scalars(select(Product.enterprise_id).where(Product.enterprise_id.in_(list(ids.values())))))
    rows = [{**p, "enterprise_id": ids[u]} for u, products in made.items() if ids[u] not in have for p in products]
    for row in rows:
        directory.register_product(session, Actor.system("demo"), at, **_fit(directory.register_product, row))
    return len(rows)


def _fit(use_case: Callable[..., Any], row: dict[str, Any]) -> dict[str, Any]:
    """The row's fields that the use case takes as keywords (generated rows carry a few extra)."""
    accepted = set(signature(use_case).parameters) - {"session", "actor", "at"}
    return {k: v for k, v in row.items() if k in accepted}


def insert_missing(rt: Runtime, model: type, key: str, rows: Sequence[dict[str, Any]],
                   use_case: Callable[..., Any]) -> int:
    """Register, through the registry's use case (so each gets its audit entry and event), the rows whose
    ``key`` value is not yet in ``model``'s table; returns how many were added."""
    column = getattr(model, key)
    actor = Actor.system("demo")
    with rt.db.begin() as session:
        have = set(session.scalars(select(column).where(column.in_([r[key] for r in rows]))))
        new = [r for r in rows if r[key] not in have]
        for row in new:
            use_case(session, actor, rt.clock.now(), **_fit(use_case, row))
    return len(new)


def people(rt: Runtime, rows: Sequence[dict[str, Any]]) -> int:
    """Insert missing people (by ID number), resolving each auditor's ``cb_cnca`` to its CB's id."""
    with rt.db.read() as session:
        cb_ids = {n: i for n, i in session.execute(select(CertificationBody.cnca_number, CertificationBody.id))}
    resolved = [{k: v for k, v in row.items() if k != "cb_cnca"} | {"cb_id": cb_ids.get(row["cb_cnca"])}
                for row in rows]
    return insert_missing(rt, Person, "id_number", resolved, directory.register_person)


def tenant_id(rt: Runtime, model: type, column: str, value: str | None) -> int | None:
    """The id of the row of ``model`` whose ``column`` equals ``value``, or None."""
    if value is None:
        return None
    with rt.db.read() as session:
        return session.scalar(select(model.id).where(getattr(model, column) == value))


def user_exists(rt: Runtime, username: str) -> bool:
    with rt.db.read() as session:
        return session.scalar(select(User.id).where(User.username == username)) is not None


def totals(rt: Runtime) -> dict[str, int]:
    """Row counts shown in the summary line."""
    def count(model: type, *where: Any) -> int:
        return session.scalar(select(func.count()).select_from(model).where(*where))

    with rt.db.read() as session:
        return {
            "enterprises": count(Enterprise), "cbs": count(CertificationBody), "labs": count(Laboratory),
            "inspectors": count(Person, Person.kind == "inspector"), "experts": count(Person, Person.kind == "expert"),
            "auditors": count(Person, Person.kind == "auditor"), "products": count(Product), "users": count(User),
        }


# Tenant kinds of the demo logins → (model, natural key the demo picks them by).
MODELS = {"cb": (CertificationBody, "cnca_number"), "lab": (Laboratory, "cma_number"),
          "enterprise": (Enterprise, "uscc")}

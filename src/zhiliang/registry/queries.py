"""Read-only registry queries for pages, API lists and exports: keyset-paginated, filterable, capped counts."""

from __future__ import annotations

import functools
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import bindparam, false, func, or_, select
from sqlalchemy.orm import Session

from zhiliang.kernel.db import in_ids
from zhiliang.kernel.policy import division_prefix
from zhiliang.registry import refdata, search, uscc
from zhiliang.registry.models import (
    CertificationBody,
    Enterprise,
    EnterpriseFormerName,
    EnterpriseLabel,
    ImportJob,
    ImportRowError,
    Laboratory,
    Person,
    Product,
)

COUNT_CAP = 1000


@dataclass(frozen=True)
class EnterpriseFilter:
    """Filters of the enterprise list. ``q`` is a USCC (any spelling), a name substring or pinyin initials."""

    q: str = ""
    division: str = ""
    industry: str = ""
    status: str = ""
    entity_type: str = ""
    warning_only: bool = False


@dataclass
class Page:
    rows: list[Any]
    next_after: int | None
    count: int
    count_capped: bool
    notes: list[tuple[str, str]] = field(default_factory=list)


@dataclass(frozen=True)
class _NameQuery:
    key: str
    initials: bool


def _conditions(f: EnterpriseFilter) -> tuple[list[Any], _NameQuery | None, list[tuple[str, str]]]:
    """SQL conditions for the plain filters, the name query (searched through the index), and notes."""
    conds: list[Any] = []
    notes: list[tuple[str, str]] = []
    name_query = None
    q = f.q.strip()
    if q:
        code = uscc.normalize(q)
        if len(code) == 18 and all(c in uscc.ALPHABET for c in code):
            conds.append(Enterprise.uscc == code)
        elif (key := search.search_key(q)) is None:
            notes.append(("请至少输入两个字", "Type at least two characters"))
            conds.append(false())
        else:
            name_query = _NameQuery(key, q.isascii() and q.replace(" ", "").isalpha())
    if f.division:
        conds.append(Enterprise.division_code.startswith(division_prefix(f.division), autoescape=True))
    for column, value in ((Enterprise.status, f.status), (Enterprise.entity_type, f.entity_type)):
        if value:
            conds.append(column == value)
    if f.industry:
        conds.append(_industry_condition(f.industry))
    if f.warning_only:
        conds.append(Enterprise.uscc_warning.is_not(None))
    return conds, name_query, notes


def _industry_condition(code: str) -> Any:
    """A GB/T 4754 section letter covers its divisions; a division (2 digits) or group (3) the classes below."""
    code = code.strip().upper()
    if code.isalpha():
        divisions = [c.code for c in refdata.industries().values() if c.parent_code == code]
        return or_(*(Enterprise.industry_code.startswith(d, autoescape=True) for d in divisions)) if divisions \
            else false()
    return Enterprise.industry_code.startswith(code.lstrip("ABCDEFGHIJKLMNOPQRST"), autoescape=True)


def _walk(session: Session, nq: _NameQuery, conds: list[Any], after: int, want: int,
          columns: tuple[Any, ...]) -> list[Any]:
    """Rows matching the name query and ``conds`` after id ``after``, in id order, at most ``want``.

    The index's candidates are exact, so with no other filter they are the answer. With filters, candidates
    are read in chunks that grow fourfold and each chunk is filtered in one query, so the first page of a
    two-character query over millions of names reads a few hundred postings, not the whole list.
    """
    if not conds:
        ids = search.candidates(session.connection(), nq.key, nq.initials, after, want)
        return list(session.execute(select(*columns).where(Enterprise.id.in_(ids)).order_by(Enterprise.id))) \
            if ids else []
    found: list[Any] = []
    chunk = max(64, want * 2)
    while len(found) < want:
        ids = search.candidates(session.connection(), nq.key, nq.initials, after, chunk)
        if not ids:
            break
        found += session.execute(select(*columns).where(Enterprise.id.in_(ids), *conds).order_by(Enterprise.id))
        if len(ids) < chunk:
            break
        after, chunk = ids[-1], min(chunk * 4, 20_000)
    return found[:want]


def _count(session: Session, nq: _NameQuery, conds: list[Any]) -> int:
    """Matches up to COUNT_CAP + 1: straight from the postings when nothing else filters."""
    if not conds:
        return len(search.candidates(session.connection(), nq.key, nq.initials, 0, COUNT_CAP + 1))
    return len(_walk(session, nq, conds, 0, COUNT_CAP + 1, (Enterprise.id,)))


def enterprises(session: Session, f: EnterpriseFilter, after: int | None = None, limit: int = 20) -> Page:
    """One page of enterprises in id order, after id ``after``; ``count`` stops at :data:`COUNT_CAP`.

    Cost: plain filters read an index range of ``limit`` rows plus at most ``COUNT_CAP`` + 1 ids; a name query
    reads candidates from the search index chunk by chunk until the page (and the capped count) is full.
    """
    conds, nq, notes = _conditions(f)
    if nq is not None:
        rows = [r[0] for r in _walk(session, nq, conds, after or 0, limit + 1, (Enterprise,))]
        count = _count(session, nq, conds)
    else:
        stmt = select(Enterprise).where(*conds).order_by(Enterprise.id).limit(limit + 1)
        if after:
            stmt = stmt.where(Enterprise.id > after)
        rows = list(session.scalars(stmt))
        capped = select(Enterprise.id).where(*conds).limit(COUNT_CAP + 1).subquery()
        count = session.scalar(select(func.count()).select_from(capped)) or 0
    more = len(rows) > limit
    rows = rows[:limit]
    return Page(rows, rows[-1].id if more else None, min(count, COUNT_CAP), count > COUNT_CAP, notes)


def iter_enterprises(session: Session, f: EnterpriseFilter, chunk: int = 2000) -> Iterator[Enterprise]:
    """Every matching enterprise, fetched in keyset chunks (exports of any size in flat memory)."""
    after = None
    while True:
        page = enterprises(session, f, after, chunk)
        yield from page.rows
        if page.next_after is None:
            return
        after = page.next_after
        session.expunge_all()


def enterprise(session: Session, enterprise_id: int) -> Enterprise | None:
    return session.get(Enterprise, enterprise_id)


def enterprise_by_uscc(session: Session, code: str) -> Enterprise | None:
    """The enterprise with this USCC, written any way people write it (full-width, spaces, O/0…); None if none."""
    return session.scalars(select(Enterprise).where(Enterprise.uscc == uscc.normalize(code))).first()


def certification_body(session: Session, cb_id: int) -> CertificationBody | None:
    return session.get(CertificationBody, cb_id)


def certification_bodies(session: Session, ids: list[int] | None = None) -> list[CertificationBody]:
    """CBs by id (all when ``ids`` is None), in id order."""
    query = select(CertificationBody).order_by(CertificationBody.id)
    if ids is not None:
        query = query.where(CertificationBody.id.in_(ids))
    return list(session.scalars(query))


def certification_body_facts(session: Session, ids: list[int] | None = None) -> list[tuple[int, str, str]]:
    """(id, name, CNCA number) of CBs by id (all when ``ids`` is None), in id order: for the verification path,
    one reused Core statement (ORM objects and fresh statements cost more there than the lookup)."""
    query = _fast_statements()["cbs" if ids is None else "cbs_by_id"]
    return [(r[0], r[1], r[2]) for r in session.connection().execute(query, {} if ids is None else {"ids": ids})]


def enterprise_name(session: Session, enterprise_id: int) -> str | None:
    return session.connection().execute(_fast_statements()["name"], {"id": enterprise_id}).scalar()


@functools.cache
def _fast_statements() -> dict[str, Any]:
    cbs = select(CertificationBody.id, CertificationBody.name, CertificationBody.cnca_number) \
        .order_by(CertificationBody.id)
    return {"cbs": cbs, "cbs_by_id": cbs.where(CertificationBody.id.in_(bindparam("ids", expanding=True))),
            "name": select(Enterprise.name).where(Enterprise.id == bindparam("id"))}


def pool_query(session: Session, *, division: str | None, industry: str | None = None,
               entity_type: str | None = None, status: str | None = "active", licence: str | None = None,
               tags: Sequence[str] = ()) -> Iterator[tuple[int, str]]:
    """(id, risk class) of every enterprise matching the filters, in id order, streamed: a random inspection's pool.

    ``division`` and ``industry`` match by code prefix (a city covers its districts; a section its classes);
    ``licence``: holds a licence of this kind (code of data/licence_kinds.csv); ``tags``: carries every one."""
    query = select(Enterprise.id, Enterprise.risk_class).order_by(Enterprise.id)
    for kind, value in ([("licence", licence)] if licence else []) + [("tag", t) for t in tags]:
        query = query.where(Enterprise.id.in_(select(EnterpriseLabel.enterprise_id).where(
            EnterpriseLabel.kind == kind, EnterpriseLabel.value == value)))
    if division:
        query = query.where(Enterprise.division_code.startswith(division_prefix(division)))
    if industry:
        query = query.where(_industry_within(industry))
    if entity_type:
        query = query.where(Enterprise.entity_type == entity_type)
    if status:
        query = query.where(Enterprise.status == status)
    for row in session.execute(query.execution_options(yield_per=20000)):
        yield row[0], row[1]


def _industry_within(industry: str) -> Any:
    """Stored industry codes (digits, no section letter) within ``industry``: a code prefix, or a GB/T 4754
    section letter, which covers its divisions."""
    if industry.isalpha():
        divisions = [c.code for c in refdata.industries().values() if c.parent_code == industry.upper()]
        return or_(*(Enterprise.industry_code.startswith(d) for d in divisions)) if divisions else false()
    return Enterprise.industry_code.startswith(industry)


def enterprises_by_id(session: Session, ids: list[int]) -> dict[int, Enterprise]:
    """The enterprises with these ids, in chunks of 5,000 (one query each, not one per id)."""
    out: dict[int, Enterprise] = {}
    ids = sorted(set(ids))
    for at in range(0, len(ids), 5000):
        out.update((e.id, e) for e in session.scalars(select(Enterprise).where(Enterprise.id.in_(ids[at:at + 5000]))))
    return out


def divisions_of(session: Session, ids: list[int]) -> dict[int, str | None]:
    """Division code of each enterprise id."""
    out: dict[int, str | None] = {}
    ids = sorted(ids)  # chunks of neighbouring keys: index pages read in order, not at random
    dialect = session.bind.dialect.name
    step = 100_000 if dialect == "postgresql" else 5000  # one array parameter on PostgreSQL (see in_ids)
    for at in range(0, len(ids), step):
        query = select(Enterprise.id, Enterprise.division_code).where(in_ids(Enterprise.id, ids[at:at + step],
                                                                             dialect))
        out.update((row[0], row[1]) for row in session.execute(query))
    return out


def people(session: Session, *, kind: str, within: str | None = None) -> list[Person]:
    """Active people of a kind (inspector, expert, auditor) whose jurisdiction lies within ``within`` or covers it
    (a city inspector may inspect in a district plan), in id order."""
    rows = session.scalars(select(Person).where(Person.kind == kind, Person.active.is_(True)).order_by(Person.id))
    if within is None:
        return list(rows)
    inside = division_prefix(within)
    return [p for p in rows if p.jurisdiction and (p.jurisdiction.startswith(inside)
                                                    or within.startswith(division_prefix(p.jurisdiction)))]


def former_names(session: Session, enterprise_id: int) -> list[str]:
    return list(session.scalars(select(EnterpriseFormerName.name).where(
        EnterpriseFormerName.enterprise_id == enterprise_id).order_by(EnterpriseFormerName.id)))


def products_of(session: Session, enterprise_id: int) -> list[Product]:
    return list(session.scalars(select(Product).where(Product.enterprise_id == enterprise_id).order_by(Product.id)))


def totals(session: Session) -> dict[str, int]:
    """Headline counts for the home page and the console."""
    return {
        "enterprises": session.scalar(select(func.count()).select_from(Enterprise)) or 0,
        "cbs": session.scalar(select(func.count()).select_from(CertificationBody)) or 0,
        "labs": session.scalar(select(func.count()).select_from(Laboratory)) or 0,
        "inspectors": session.scalar(select(func.count()).select_from(Person).where(Person.kind == "inspector")) or 0,
        "products": session.scalar(select(func.count()).select_from(Product)) or 0,
    }


def simple_list(session: Session, model: type, after: int | None, limit: int, **equals: Any) -> Page:
    """A keyset page of any registry table with equality filters (CBs, labs, people, products)."""
    conds = [getattr(model, k) == v for k, v in equals.items() if v not in (None, "")]
    stmt = select(model).where(*conds).order_by(model.id).limit(limit + 1)
    if after:
        stmt = stmt.where(model.id > after)
    rows = list(session.scalars(stmt))
    more = len(rows) > limit
    capped = select(model.id).where(*conds).limit(COUNT_CAP + 1).subquery()
    count = session.scalar(select(func.count()).select_from(capped)) or 0
    rows = rows[:limit]
    return Page(rows, rows[-1].id if more else None, min(count, COUNT_CAP), count > COUNT_CAP)


TENANT_MODELS = {"enterprise": Enterprise, "cb": CertificationBody, "lab": Laboratory}


def tenant_exists(session: Session, role: str, tenant_id: int) -> bool:
    """Whether the organisation a user of ``role`` would be bound to exists (enterprise, CB or laboratory)."""
    model = TENANT_MODELS.get(role)
    return model is not None and session.get(model, tenant_id) is not None


def import_job(session: Session, job_id: int) -> ImportJob | None:
    return session.get(ImportJob, job_id)


def import_jobs(session: Session, limit: int = 20) -> list[ImportJob]:
    return list(session.scalars(select(ImportJob).order_by(ImportJob.id.desc()).limit(limit)))


def import_errors(session: Session, job_id: int, limit: int | None = None) -> list[ImportRowError]:
    stmt = select(ImportRowError).where(ImportRowError.job_id == job_id).order_by(ImportRowError.row,
                                                                                  ImportRowError.id)
    return list(session.scalars(stmt.limit(limit) if limit else stmt))


def risk_classes(session: Session, chunk: int = 200_000) -> Iterator[list[tuple[int, str, str | None, str | None]]]:
    """(id, risk class, division code, industry code) of every enterprise in id order, in lists of ``chunk``
    (the credit reclassification's input; keyset pages, flat memory)."""
    last = 0
    while True:
        rows = session.execute(select(Enterprise.id, Enterprise.risk_class, Enterprise.division_code,
                                      Enterprise.industry_code).where(Enterprise.id > last)
                               .order_by(Enterprise.id).limit(chunk)).all()
        if not rows:
            return
        yield [(r[0], r[1], r[2], r[3]) for r in rows]
        last = rows[-1][0]


def class_counts(session: Session, by: str) -> dict[str | None, dict[str, int]]:
    """Enterprises per credit-risk class, grouped by ``division`` (code) or ``industry`` (GB/T 4754 division,
    the code's first two digits)."""
    key = Enterprise.division_code if by == "division" else func.substr(Enterprise.industry_code, 1, 2)
    out: dict[str | None, dict[str, int]] = {}
    for group, risk_class, count in session.execute(
            select(key, Enterprise.risk_class, func.count()).group_by(key, Enterprise.risk_class)):
        out.setdefault(group, dict.fromkeys("ABCD", 0))[risk_class] = count
    return out


def class_distribution(session: Session) -> dict[str, int]:
    """How many enterprises hold each credit-risk class."""
    return {c: n for c, n in session.execute(select(Enterprise.risk_class, func.count())
                                             .group_by(Enterprise.risk_class))}


def laboratory(session: Session, lab_id: int) -> Laboratory | None:
    return session.get(Laboratory, lab_id)


def laboratories(session: Session) -> list[Laboratory]:
    """Every laboratory, in id order."""
    return list(session.scalars(select(Laboratory).order_by(Laboratory.id)))

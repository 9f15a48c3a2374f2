"""Use cases for the directory beside the enterprises: certification bodies, laboratories, people, products.

Each registration checks policy and the record's rules, then writes the row, an audit entry
(``registry:<kind>:create``) and a domain event in one transaction. People's phone and ID numbers are personal
data: they go only to the event's private part, never to its public payload.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from zhiliang.kernel import audit, events
from zhiliang.kernel.auth import Actor
from zhiliang.kernel.errors import conflict, invalid, not_found
from zhiliang.kernel.policy import require
from zhiliang.ledger.audit import table_rows
from zhiliang.ledger.domain import Projection
from zhiliang.registry import policy, refdata, uscc
from zhiliang.registry.models import CertificationBody, Enterprise, Laboratory, Person, Product

CNCA_NUMBER = re.compile(r"CNCA-R-(\d{4})-(\d{3})")  # CNCA approval number of a certification body
CMA_NUMBER = re.compile(r"\d{12}")  # 资质认定证书编号: 12 digits
PERSON_KINDS = ("inspector", "expert", "auditor")
ORG_STATUSES = ("active", "suspended", "revoked")


def _fold(text: str | None) -> str:
    return unicodedata.normalize("NFKC", text or "").strip().upper().replace(" ", "")


def _required(value: str | None, field: str, zh: str) -> str:
    if not value or not value.strip():
        raise invalid(f"{field}.missing", f"{zh}不能为空", f"{field} is required", field)
    return value.strip()


def _division(code: str | None) -> str | None:
    if code and refdata.division(code) is None:
        raise invalid("division.unknown", "行政区划代码无效(GB/T 2260)", "Unknown division code (GB/T 2260)",
                      "division_code")
    return code or None


def _uscc(code: str | None) -> str | None:
    if not code:
        return None
    result = uscc.check(code)
    if not result.valid:
        problem = result.errors[0]
        raise invalid(problem.code, problem.zh, problem.en, "uscc")
    return result.code


def _status(status: str) -> str:
    if status not in ORG_STATUSES:
        raise invalid("status.unknown", "状态应为 active、suspended 或 revoked",
                      "Status must be active, suspended or revoked", "status")
    return status


def _record(session: Session, actor: Actor, at: datetime, kind: str, row: Any, public: dict[str, Any],
            private: dict[str, Any] | None = None) -> None:
    session.flush()
    audit.record(session, at=at, actor_id=actor.user_id, actor_label=actor.label, tag=f"registry:{kind}:create",
                 entity_type=kind, entity_id=row.id, after={**public, **(private or {})})
    events.emit(session, _event_type(kind), f"{kind}:{row.id}", public, at=at, actor=actor.label,
                private=private or None)


def register_cb(session: Session, actor: Actor, at: datetime, *, cnca_number: str, name: str,
                approved_types: list[str], uscc: str | None = None, division_code: str | None = None,
                status: str = "active") -> CertificationBody:
    """Register a certification body; 422 for a malformed CNCA number, 409 when it is already registered."""
    require(policy.can_manage_registry(actor))
    number = _fold(cnca_number)
    if not CNCA_NUMBER.fullmatch(number):
        raise invalid("cb.cnca_number", "批准号格式应为 CNCA-R-年份-三位序号", "Approval number must read "
                      "CNCA-R-YYYY-NNN", "cnca_number")
    if session.scalar(select(CertificationBody.id).where(CertificationBody.cnca_number == number)):
        raise conflict("cb.exists", f"认证机构已登记:{number}", f"Certification body already registered: {number}",
                       "cnca_number")
    row = CertificationBody(cnca_number=number, name=_required(name, "name", "名称"), uscc=_uscc(uscc),
                            division_code=_division(division_code), status=_status(status), created_at=at,
                            approved_types=sorted({unicodedata.normalize("NFKC", t).strip() for t in approved_types
                                                    if t.strip()}))
    session.add(row)
    _record(session, actor, at, "certification_body", row,
            {"cnca_number": number, "name": row.name, "approved_types": row.approved_types, "status": row.status})
    return row


def register_lab(session: Session, actor: Actor, at: datetime, *, cma_number: str, name: str, scope: list[str],
                 uscc: str | None = None, division_code: str | None = None, status: str = "active") -> Laboratory:
    """Register a laboratory with its CMA number (12 digits) and scope of test items."""
    require(policy.can_manage_registry(actor))
    number = _fold(cma_number)
    if not CMA_NUMBER.fullmatch(number):
        raise invalid("lab.cma_number", "资质认定证书编号应为 12 位数字", "CMA number must be 12 digits", "cma_number")
    if session.scalar(select(Laboratory.id).where(Laboratory.cma_number == number)):
        raise conflict("lab.exists", f"检验检测机构已登记:{number}", f"Laboratory already registered: {number}",
                       "cma_number")
    row = Laboratory(cma_number=number, name=_required(name, "name", "名称"), uscc=_uscc(uscc), status=_status(status),
                     division_code=_division(division_code), scope=[s.strip() for s in scope if s.strip()],
                     created_at=at)
    session.add(row)
    _record(session, actor, at, "laboratory", row,
            {"cma_number": number, "name": row.name, "scope": row.scope, "status": row.status})
    return row


def _check_person(session: Session, kind: str, cert_no: str | None, department: str | None,
                  jurisdiction: str | None, cb_id: int | None) -> None:
    if kind not in PERSON_KINDS:
        raise invalid("person.kind", "人员类别应为 inspector、expert 或 auditor",
                      "Kind must be inspector, expert or auditor", "kind")
    if kind == "inspector":
        _required(cert_no, "enforcement_cert_no", "执法证号")
        _required(department, "department", "部门")
        _division(_required(jurisdiction, "jurisdiction", "辖区"))
    if jurisdiction:
        _division(jurisdiction)
    if cert_no and session.scalar(select(Person.id).where(Person.enforcement_cert_no == cert_no)):
        raise conflict("person.exists", f"执法证号已登记:{cert_no}",
                       f"Enforcement certificate number already registered: {cert_no}",
                       "enforcement_cert_no")
    if kind == "auditor" and (cb_id is None or session.get(CertificationBody, cb_id) is None):
        raise invalid("person.cb", "审核员必须属于已登记的认证机构", "An auditor must belong to a registered CB",
                      "cb_id")


def register_person(session: Session, actor: Actor, at: datetime, *, kind: str, name: str,
                    enforcement_cert_no: str | None = None, department: str | None = None,
                    jurisdiction: str | None = None, skills: list[str] | None = None,
                    affiliation: str | None = None, cb_id: int | None = None, phone: str | None = None,
                    id_number: str | None = None) -> Person:
    """Register an inspector (needs a law-enforcement certificate number, department and jurisdiction), an
    expert, or a CB auditor (needs the CB). A person's name and numbers are personal data: the event's public
    payload carries only the kind, department, jurisdiction and skills."""
    require(policy.can_manage_registry(actor, jurisdiction))
    _check_person(session, kind, enforcement_cert_no, department, jurisdiction, cb_id)
    row = Person(kind=kind, name=_required(name, "name", "姓名"), enforcement_cert_no=enforcement_cert_no,
                 department=department, jurisdiction=jurisdiction, skills=skills or [], affiliation=affiliation,
                 cb_id=cb_id, phone=phone, id_number=id_number, active=True, created_at=at)
    session.add(row)
    public = {"kind": kind, "department": department, "jurisdiction": jurisdiction, "skills": row.skills}
    private = {k: v for k, v in (("name", row.name), ("enforcement_cert_no", enforcement_cert_no),
                                 ("phone", phone), ("id_number", id_number)) if v}
    _record(session, actor, at, "person", row, public, private)
    return row


def register_product(session: Session, actor: Actor, at: datetime, *, enterprise_id: int, name: str,
                     brand: str | None = None, model: str | None = None, category: str | None = None,
                     standard: str | None = None) -> Product:
    """Register a product of an existing enterprise (staff, or the enterprise itself)."""
    enterprise = session.get(Enterprise, enterprise_id)
    if enterprise is None:
        raise not_found("企业", "Enterprise", enterprise_id)
    require(policy.can_manage_registry(actor, enterprise.division_code)
            or (actor.role == "enterprise" and actor.tenant_id == enterprise_id))
    row = Product(enterprise_id=enterprise_id, name=_required(name, "name", "产品名称"), brand=brand, model=model,
                  category=category, standard=standard, created_at=at)
    session.add(row)
    _record(session, actor, at, "product", row, {"enterprise_id": enterprise_id, "name": row.name, "brand": brand,
                                                  "model": model, "category": category, "standard": standard})
    return row


_AUDITED = (
    (CertificationBody, "certification_body", "认证机构", "Certification body", ("cnca_number", "name",
                                                                              "approved_types", "status")),
    (Laboratory, "laboratory", "检验检测机构", "Laboratory", ("cma_number", "name", "scope", "status")),
    (Person, "person", "人员", "Person", ("kind", "department", "jurisdiction", "skills", "name",
                                        "enforcement_cert_no", "phone", "id_number")),
    (Product, "product", "产品", "Product", ("enterprise_id", "name", "brand", "model", "category", "standard")),
)


def ledger_projections() -> list[Projection]:
    """How the directory's tables follow from their registration events, for ``zhiliang ledger audit`` (people's
    personal fields are checked against the event's private part)."""

    return [Projection(kind, zh, en, fields, table_rows(table, fields), types=(_event_type(kind),))
            for table, kind, zh, en, fields in _AUDITED]


def _event_type(kind: str) -> str:
    return "registry." + "".join(part.title() for part in kind.split("_")) + "Registered"

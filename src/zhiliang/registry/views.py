"""What a registry page shows, as plain data: each page and its JSON twin render the same dict."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from zhiliang.kernel.auth import Actor
from zhiliang.kernel.errors import not_found
from zhiliang.registry import policy, queries, refdata
from zhiliang.registry.models import CertificationBody, Laboratory, Person, Product
from zhiliang.registry.schemas import (
    CertificationBodyOut,
    EnterpriseDetail,
    EnterpriseOut,
    LaboratoryOut,
    PageOut,
    PersonOut,
    PersonPrivateOut,
    ProductOut,
    entity_type_label,
    status_label,
)

ENTERPRISE_EXPORT = (
    ("uscc", "统一社会信用代码"), ("name", "企业名称"), ("legal_rep", "法定代表人"), ("address", "住所"),
    ("industry_code", "行业代码"), ("registration_authority", "登记机关"), ("established_date", "成立日期"),
    ("status", "登记状态"), ("registered_capital", "注册资本"), ("division_code", "行政区划代码"),
    ("licences", "许可证"), ("tags", "标签"), ("uscc_warning", "代码警告"),
)
COLUMN_LABELS: dict[str, tuple[str, str]] = {
    "id": ("编号", "ID"), "cnca_number": ("批准号", "CNCA number"), "cma_number": ("资质认定编号", "CMA number"),
    "name": ("名称", "Name"), "uscc": ("统一社会信用代码", "USCC"), "division_code": ("行政区划", "Division"),
    "approved_types": ("批准认证类型", "Approved types"), "scope": ("检验检测能力", "Scope"),
    "status": ("状态", "Status"),
    "kind": ("类别", "Kind"), "enforcement_cert_no": ("执法证号", "Enforcement cert. no."),
    "department": ("部门", "Department"), "jurisdiction": ("辖区", "Jurisdiction"), "skills": ("专长", "Skills"),
    "affiliation": ("所在单位", "Affiliation"), "phone": ("电话", "Phone"), "id_number": ("身份证号", "ID number"),
    "enterprise_id": ("企业编号", "Enterprise ID"), "brand": ("品牌", "Brand"), "model": ("型号", "Model"),
    "category": ("类别", "Category"), "standard": ("执行标准", "Standard"),
}
LISTS: dict[str, tuple[type, type, tuple[str, ...]]] = {
    "cbs": (CertificationBody, CertificationBodyOut, ("status",)),
    "labs": (Laboratory, LaboratoryOut, ("status",)),
    "people": (Person, PersonOut, ("kind", "jurisdiction", "department")),
    "products": (Product, ProductOut, ("enterprise_id",)),
}


def enterprise_page(session: Session, f: queries.EnterpriseFilter, after: int | None, limit: int) -> PageOut:
    page = queries.enterprises(session, f, after, limit)
    return PageOut(items=[EnterpriseOut.model_validate(r).model_dump(mode="json") for r in page.rows],
                   next_after=page.next_after, count=page.count, count_capped=page.count_capped,
                   notes=[{"zh": zh, "en": en} for zh, en in page.notes])


def enterprise_detail(session: Session, enterprise_id: int) -> EnterpriseDetail:
    row = queries.enterprise(session, enterprise_id)
    if row is None:
        raise not_found("企业", "Enterprise", enterprise_id)
    base = EnterpriseOut.model_validate(row).model_dump()
    industry = refdata.industry(row.industry_code) if row.industry_code else None
    return EnterpriseDetail(
        **base, former_names=queries.former_names(session, row.id), status_label=status_label(row.status),
        entity_type_label=entity_type_label(row.entity_type),
        division_path=[{"code": c.code, "name": c.name} for c in refdata.division_path(row.division_code or "")],
        industry_name=industry.name if industry else None,
        products=[ProductOut.model_validate(p) for p in queries.products_of(session, row.id)],
    )


def export_rows(session: Session, f: queries.EnterpriseFilter) -> Any:
    for row in queries.iter_enterprises(session, f):
        # Lists (licences, tags) as the import reads them, so an export imports back unchanged.
        yield [_cell(getattr(row, key)) for key, _ in ENTERPRISE_EXPORT]


def _cell(value: Any) -> Any:
    return "; ".join(value) if isinstance(value, list) else value


def list_schema(actor: Actor, kind: str) -> type:
    """The output shape of a directory list for this actor (admins also see people's phone and ID number)."""
    if kind == "people" and policy.can_view_private_person_data(actor):
        return PersonPrivateOut
    return LISTS[kind][1]


def iter_simple(session: Session, actor: Actor, kind: str, filters: dict[str, Any], chunk: int = 2000) -> Any:
    """Every row of a directory list as dicts, fetched in keyset chunks (exports of any size, flat memory)."""
    after = None
    while True:
        page = simple_page(session, actor, kind, after, chunk, filters)
        yield from page.items
        if page.next_after is None:
            return
        after = page.next_after


def simple_page(session: Session, actor: Actor, kind: str, after: int | None, limit: int,
                filters: dict[str, Any]) -> PageOut:
    model, _, allowed = LISTS[kind]
    schema = list_schema(actor, kind)
    page = queries.simple_list(session, model, after, limit, **{k: v for k, v in filters.items() if k in allowed})
    return PageOut(items=[schema.model_validate(r).model_dump(mode="json") for r in page.rows],
                   next_after=page.next_after, count=page.count, count_capped=page.count_capped)

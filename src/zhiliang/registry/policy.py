"""Who may do what in the registry: plain functions, tested as a full role × action × tenant matrix.

Registration data (name, USCC, status, address, legal representative) is public in China (企业信息公示暂行条例
art. 6–8), so anyone may search and read profiles. Changes are for regulators within their jurisdiction and for
admins; an enterprise may correct its own contact facts; imports and exports of whole lists are staff work.
"""

from __future__ import annotations

from zhiliang.kernel.auth import Actor
from zhiliang.kernel.policy import covers

CORRECTABLE_BY_ENTERPRISE = frozenset({"address", "legal_rep"})


def can_view_enterprise(actor: Actor) -> bool:
    return True


def can_edit_enterprise(actor: Actor, division_code: str | None, enterprise_id: int, fields: set[str]) -> bool:
    """Admins anywhere; regulators inside their jurisdiction; an enterprise its own correctable fields."""
    if actor.role == "admin":
        return True
    if actor.role == "regulator":
        return covers(actor.jurisdiction, division_code)
    if actor.role == "enterprise":
        return actor.tenant_id == enterprise_id and fields <= CORRECTABLE_BY_ENTERPRISE
    return False


def can_import(actor: Actor) -> bool:
    return actor.role in ("regulator", "admin")


def can_export_lists(actor: Actor) -> bool:
    return actor.role in ("regulator", "admin")


def can_view_private_person_data(actor: Actor) -> bool:
    """Phone and ID numbers of inspectors and experts: admins only (个人信息保护法 art. 6, minimum necessity)."""
    return actor.role == "admin"


def can_manage_registry(actor: Actor, division: str | None = None) -> bool:
    """Register CBs, laboratories, people and products: admins anywhere, regulators inside their jurisdiction
    (``division`` is where the record belongs: a person's jurisdiction, a product's enterprise; None = city-wide
    records such as CBs, which any regulator may add)."""
    if actor.role == "admin":
        return True
    return actor.role == "regulator" and (division is None or covers(actor.jurisdiction, division))


def can_list_people(actor: Actor) -> bool:
    """The directory of inspectors, experts and auditors is staff information (the public sees inspectors
    only as the results of inspections name them)."""
    return actor.role in ("regulator", "admin")

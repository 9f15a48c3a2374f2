"""Who sees which sample (plain functions over an :class:`~zhiliang.kernel.auth.Actor`, so the matrix can be
tested by calling them):

* admins: every sample; regulators: samples taken in their jurisdiction;
* a laboratory account (role ``lab``, tenant = the laboratory): the samples assigned to it — as the first
  laboratory, or as the re-test laboratory of an objection — and nothing else;
* an enterprise account: the samples of which it is the producer or the seller (to read the result and object);
* the public: published results and pass rates only (``queries.published``, ``queries.pass_rates``).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from zhiliang.kernel.auth import Actor
from zhiliang.kernel.errors import forbidden, unauthenticated
from zhiliang.kernel.policy import covers, is_staff


@dataclass(frozen=True)
class Scope:
    """What a list of samples is narrowed to for one actor: a jurisdiction, a laboratory or an enterprise."""

    within: str | None = None
    lab_id: int | None = None
    enterprise_id: int | None = None


def can_view(actor: Actor, sample: Any, retest_labs: Collection[int] = ()) -> bool:
    """True when ``actor`` may read ``sample`` (its reports, items, objections and disposal) in full."""
    if actor.role == "admin":
        return True
    if actor.role == "regulator":
        return covers(actor.jurisdiction, sample.division_code)
    if actor.role == "lab":
        return actor.tenant_id is not None and (actor.tenant_id == sample.lab_id or actor.tenant_id in retest_labs)
    if actor.role == "enterprise":
        return actor.tenant_id is not None and actor.tenant_id in (sample.enterprise_id, sample.seller_id)
    return False


def require_view(actor: Actor, sample: Any, retest_labs: Collection[int] = ()) -> None:
    """401 for the anonymous public, 403 for anyone else who may not read ``sample``."""
    if actor.user_id is None and actor.role == "public":
        raise unauthenticated()
    if not can_view(actor, sample, retest_labs):
        raise forbidden("无权查看该样品", "You may not see this sample")


def scope(actor: Actor) -> Scope:
    """The list scope of ``actor``; 401 for the anonymous public, 403 for roles with no samples (cb, public)."""
    if actor.role == "admin":
        return Scope()
    if actor.role == "regulator" and actor.jurisdiction:
        return Scope(within=actor.jurisdiction)
    if actor.role == "lab" and actor.tenant_id is not None:
        return Scope(lab_id=actor.tenant_id)
    if actor.role == "enterprise" and actor.tenant_id is not None:
        return Scope(enterprise_id=actor.tenant_id)
    if actor.user_id is None:
        raise unauthenticated()
    raise forbidden("无权查看抽查样品", "You may not list sampling samples")


def require_staff(actor: Actor) -> None:
    """Regulators and admins (exports, the overdue list); 401 for the anonymous, 403 for others."""
    if actor.user_id is None and actor.role == "public":
        raise unauthenticated()
    if not is_staff(actor):
        raise forbidden()


def require_lab(actor: Actor) -> int:
    """A laboratory account; returns its laboratory's id."""
    if actor.user_id is None and actor.role == "public":
        raise unauthenticated()
    if actor.role != "lab" or actor.tenant_id is None:
        raise forbidden("仅检验检测机构账号可用", "For laboratory accounts only")
    return actor.tenant_id

"""Who may do what with certificates: plain functions, tested as a role × action × tenant matrix.

Per the CNCA 《认证证书和认证标志管理办法》, a certificate is issued, suspended, restored, withdrawn and cancelled by
the certification body that issued it; nobody else (not the platform's admins, not regulators) may change it
here. Everyone may verify a certificate (the plan's "向社会公开产品质量认证信息"); counterfeit signals are staff work.
"""

from __future__ import annotations

from zhiliang.kernel.auth import Actor


def issuing_cb(actor: Actor) -> int | None:
    """The CB an actor acts for, or None: only a CB account bound to its CB."""
    return actor.tenant_id if actor.role == "cb" and actor.tenant_id is not None else None


def can_issue(actor: Actor) -> bool:
    return issuing_cb(actor) is not None


def can_change(actor: Actor, cb_id: int) -> bool:
    """Only the issuing CB changes its certificates."""
    return issuing_cb(actor) == cb_id


def can_verify(actor: Actor) -> bool:
    return True


def can_view_signals(actor: Actor) -> bool:
    """Counterfeit signals (most-queried unknown numbers, suspected misuse) are for regulators and admins."""
    return actor.role in ("regulator", "admin")

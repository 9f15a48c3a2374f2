"""Account use cases that need the registry: a tenant-bound user must point at an existing organisation.

Lives at the top (beside ``app.py``) because it joins the kernel's accounts with the registry's tenants.
"""

from __future__ import annotations

from sqlalchemy import select

from zhiliang.kernel import audit, auth
from zhiliang.kernel.auth import TENANT_ROLES
from zhiliang.kernel.errors import invalid, not_found
from zhiliang.kernel.runtime import Runtime
from zhiliang.registry import queries


def create_user(rt: Runtime, *, username: str, display_name: str, role: str, password: str | None,
                tenant_id: int | None = None, jurisdiction: str | None = None, department: str | None = None,
                actor_label: str = "cli") -> int:
    """Create a user after checking its tenant exists; audited as ``kernel:user:create``. Returns the id."""
    with rt.db.begin() as session:
        if role in TENANT_ROLES and tenant_id is not None and not queries.tenant_exists(session, role, tenant_id):
            raise invalid("auth.tenant.unknown", f"所属单位不存在:{tenant_id}", f"No such organisation: {tenant_id}",
                          "tenant")
        user = auth.create_user(session, username=username, display_name=display_name, role=role,
                                password=password, at=rt.clock.now(), tenant_id=tenant_id,
                                jurisdiction=jurisdiction, department=department)
        audit.record(session, at=rt.clock.now(), actor_id=None, actor_label=actor_label, tag="kernel:user:create",
                     entity_type="user", entity_id=user.id,
                     after={"username": username, "role": role, "tenant_id": tenant_id,
                            "jurisdiction": jurisdiction, "department": department})
        return user.id


def revoke_token(rt: Runtime, username: str, prefix: str, actor_label: str = "cli") -> int:
    """Revoke every token of ``username`` whose shown prefix starts with ``prefix``; returns how many."""
    with rt.db.begin() as session:
        user = session.scalar(select(auth.User).where(auth.User.username == username))
        if user is None:
            raise not_found("用户", "User", username)
        tokens = session.scalars(select(auth.ApiToken).where(auth.ApiToken.user_id == user.id,
                                                             auth.ApiToken.revoked_at.is_(None))).all()
        hits = [t for t in tokens if t.prefix.startswith(prefix)]
        for token in hits:
            auth.revoke_token(session, user.id, token.id, rt.clock.now())
            audit.record(session, at=rt.clock.now(), actor_id=None, actor_label=actor_label,
                         tag="kernel:token:revoke", entity_type="user", entity_id=user.id,
                         after={"token": token.name, "prefix": token.prefix})
        return len(hits)


def issue_token(rt: Runtime, username: str, name: str, actor_label: str = "cli") -> str:
    """A new API token for ``username``, returned in clear this once; audited as ``kernel:token:create``."""
    with rt.db.begin() as session:
        user = session.scalar(select(auth.User).where(auth.User.username == username))
        if user is None:
            raise not_found("用户", "User", username)
        secret = auth.issue_token(session, user, name, rt.clock.now())
        audit.record(session, at=rt.clock.now(), actor_id=None, actor_label=actor_label,
                     tag="kernel:token:create", entity_type="user", entity_id=user.id, after={"token": name})
        return secret

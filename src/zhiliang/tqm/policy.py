"""Who may use the quality tools (plain functions, tested as a role × tenant matrix).

Process data and their analyses are the enterprise's own, often commercially confidential (商业秘密) records: an
enterprise account uploads, analyses and reads only its own enterprise's (``Actor.tenant_id``). Admins may read every
enterprise's, for support, but write none. Regulators, CBs, laboratories and the public see none: the tools serve the
enterprise's quality work (SPEC tqm), and a regulator who needs the data asks the enterprise for them in an
inspection. The acceptance-sampling calculator reads no stored data and is public.
"""

from __future__ import annotations

from zhiliang.kernel.auth import Actor


def can_write(actor: Actor) -> bool:
    """Upload datasets and make analyses: enterprise accounts bound to an enterprise."""
    return actor.role == "enterprise" and actor.tenant_id is not None


def can_read(actor: Actor, enterprise_id: int) -> bool:
    """Read one enterprise's datasets, analyses, charts and reports."""
    if actor.role == "admin":
        return True
    return actor.role == "enterprise" and actor.tenant_id == enterprise_id


def can_write_for(actor: Actor, enterprise_id: int) -> bool:
    """Analyse a stored dataset of ``enterprise_id``: only that enterprise's own accounts."""
    return can_write(actor) and actor.tenant_id == enterprise_id

"""Helpers shared by every feature's policy functions (each feature keeps its own ``policy.py``).

A policy is a plain function ``can_<verb>(actor, target) -> bool``: no framework, so the full
role × action × tenant matrix can be tested by calling it.
"""

from __future__ import annotations

from zhiliang.kernel.auth import Actor
from zhiliang.kernel.errors import forbidden


def division_prefix(code: str) -> str:
    """The significant prefix of a GB/T 2260 code: ``500000`` → ``50``, ``340700`` → ``3407``, ``500106`` unchanged."""
    if code.endswith("0000"):
        return code[:2]
    if code.endswith("00"):
        return code[:4]
    return code


def covers(jurisdiction: str | None, division: str | None) -> bool:
    """True when ``division`` lies inside ``jurisdiction`` (a province covers its cities and counties)."""
    if not jurisdiction or not division:
        return False
    return division.startswith(division_prefix(jurisdiction))


def require_regulator(actor: Actor, division: str | None = None, *, anywhere: bool = False) -> None:
    """Admins, or a regulator whose jurisdiction covers ``division``; with ``anywhere``, any regulator (actions
    tied to no place). Raises 403 otherwise — a ``division`` of None is covered by no regulator."""
    if actor.role == "admin":
        return
    if actor.role != "regulator" or not (anywhere or covers(actor.jurisdiction, division)):
        raise forbidden()


def is_staff(actor: Actor) -> bool:
    return actor.role in ("regulator", "admin")


def require(allowed: bool) -> None:
    """Raise 403 unless ``allowed``: the one line a service puts after each policy check."""
    if not allowed:
        raise forbidden()


def can_view_audit(actor: Actor) -> bool:
    """The audit trail holds before/after values of every record, personal data included: admins only."""
    return actor.role == "admin"

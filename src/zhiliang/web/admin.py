"""The audit trail for admins: browse, filter and export (page ``/console/audit``, twin ``/api/v1/audit``)."""

from __future__ import annotations

import json
from datetime import date, datetime, time, timedelta
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from zhiliang.kernel import audit
from zhiliang.kernel.clock import SHANGHAI, format_local
from zhiliang.kernel.errors import unauthenticated
from zhiliang.kernel.http.context import After, resolve, runtime
from zhiliang.kernel.http.exports import download
from zhiliang.kernel.http.render import render
from zhiliang.kernel.policy import can_view_audit, require

router = APIRouter()
HEADER = ("id", "时间 Time", "操作人 Actor", "标签 Tag", "对象类型 Entity type", "对象 Entity", "之前 Before",
          "之后 After")


Day = Annotated[date | None, Query(ge=date(1900, 1, 1), le=date(9998, 12, 31))]


def audit_filter(tag: str = "", actor: str = "", entity_type: str = "", entity_id: str = "",
                 since: Day = None, until: Day = None) -> dict[str, Any]:
    """Filters; dates are Shanghai calendar days, ``until`` inclusive."""
    def start(d: date | None) -> datetime | None:
        return None if d is None else datetime.combine(d, time(), SHANGHAI)

    return {"tag": tag, "actor": actor, "entity_type": entity_type, "entity_id": entity_id,
            "since": start(since), "until": start(until + timedelta(days=1)) if until else None}


def _row(e: audit.AuditEntry) -> dict[str, Any]:
    return {"id": e.id, "at": e.at.isoformat(), "actor": e.actor_label, "tag": e.tag, "entity_type": e.entity_type,
            "entity_id": e.entity_id, "before": e.before, "after": e.after}


def _admin(request: Request) -> None:
    actor = resolve(request).actor
    if actor.user_id is None and not resolve(request).via_token:
        raise unauthenticated()
    require(can_view_audit(actor))


@router.get("/api/v1/audit", name="web.api_audit", tags=["audit 审计"])
def audit_api(request: Request, filters: Annotated[dict[str, Any], Depends(audit_filter)],
              after: After = None, limit: Annotated[int, Query(ge=1, le=500)] = 50,
              format: Literal["json", "csv", "xlsx"] = "json") -> Any:
    """Audit entries, newest first (admins only); ``format=csv|xlsx`` exports every matching entry."""
    _admin(request)
    with runtime(request).db.read() as session:
        if format == "json":
            rows = audit.entries(session, **filters, after=after, limit=limit)
            return {"items": [_row(e) for e in rows], "next_after": rows[-1].id if len(rows) == limit else None}
    return download(format, "audit", HEADER, _export(runtime(request), filters))


def _export(rt: Any, filters: dict[str, Any]) -> Any:
    # Keyset chunks inside one read session: an export of millions of entries in flat memory.
    with rt.db.read() as session:
        after = None
        while rows := audit.entries(session, **filters, after=after, limit=2000):
            for e in rows:
                yield (e.id, format_local(e.at), e.actor_label, e.tag, e.entity_type, e.entity_id, _json(e.before),
                       _json(e.after))
            after = rows[-1].id
            session.expunge_all()


def _json(value: Any) -> str:
    return "" if value is None else json.dumps(value, ensure_ascii=False, sort_keys=True)


@router.get("/console/audit", name="web.audit", include_in_schema=False)
def audit_page(request: Request, filters: Annotated[dict[str, Any], Depends(audit_filter)],
               after: After = None) -> Response:
    _admin(request)
    with runtime(request).db.read() as session:
        rows = audit.entries(session, **filters, after=after, limit=50)
    return render(request, "audit.html", {"rows": rows, "next_after": rows[-1].id if len(rows) == 50 else None,
                                          "json": _json})

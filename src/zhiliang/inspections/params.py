"""A plan's parameters checked before they are stored: the pool filters and the optional external beacon.

Both end up in the commitment, so each is stored in one canonical form, and a bad one is refused with 422 naming
the field (``filters.<key>``, ``beacon.<key>``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from zhiliang.kernel.errors import invalid
from zhiliang.registry import refdata as registry_refdata
from zhiliang.registry.domain import ENTITY_TYPES, STATUS_LABELS


def check_beacon(beacon: dict[str, Any], at: datetime) -> dict[str, str]:
    """The beacon spec in stored form (see ``service.create_plan``); ``at`` is now: ``after`` must follow it."""
    source = str(beacon.get("source") or "").strip()
    if not source or len(source) > 200:
        raise invalid("inspections.beacon", "请写明信标来源(200 字以内)", "Name the beacon's source (at most 200 "
                      "characters)", "beacon.source")
    times = {}
    for key in ("after", "by"):
        try:
            value = beacon[key] if isinstance(beacon.get(key), datetime) else datetime.fromisoformat(str(beacon[key]))
        except (KeyError, ValueError):
            raise invalid("inspections.beacon", f"信标时间 {key} 须为带时区的 ISO 8601 时间",
                          f"beacon.{key} must be an ISO 8601 time with a zone", f"beacon.{key}") from None
        if value.tzinfo is None:
            raise invalid("inspections.beacon", f"信标时间 {key} 须带时区", f"beacon.{key} needs a time zone",
                          f"beacon.{key}")
        times[key] = value
    if times["after"] <= at:
        raise invalid("inspections.beacon", "信标发布时间须在将来", "The beacon's publication time must lie in the "
                      "future", "beacon.after")
    if times["by"] <= times["after"]:
        raise invalid("inspections.beacon", "录入期限须晚于发布时间", "The deadline must follow the publication time",
                      "beacon.by")
    return {"source": source, "after": times["after"].isoformat(), "by": times["by"].isoformat()}


FILTERS = ("division", "industry", "entity_type", "status", "licence", "tags")


def pool_filters(filters: dict[str, Any]) -> dict[str, Any]:
    """The plan's pool filters checked and in stored form; raises 422 naming the first bad one.

    ``division`` (GB/T 2260 code within which), ``industry`` (GB/T 4754 code prefix), ``entity_type``, ``status``
    (default 存续 active; ``any`` for every status), ``licence`` (a licence kind, by code or Chinese name: holders
    only), ``tags`` (list, or text separated by ; 、 ,: entities carrying every tag)."""
    out: dict[str, Any] = {}
    for key, value in filters.items():
        if key not in FILTERS:
            raise invalid("inspections.filter", f"未知的筛选条件“{key}”(可用:{'、'.join(FILTERS)})",
                          f"Unknown filter {key!r} (known: {', '.join(FILTERS)})", f"filters.{key}")
        if key == "tags":
            items = value if isinstance(value, list) else str(value).translate(_SEPARATORS).split(";")
            if tags := sorted({str(t).strip() for t in items if str(t).strip()}):
                out["tags"] = tags
            continue
        text_ = str(value).strip()
        if not text_:
            continue
        if key == "division" and registry_refdata.division(text_) is None:
            raise invalid("inspections.filter", f"未知的行政区划代码:{text_}", f"Unknown division code: {text_}",
                          "filters.division")
        if key == "industry":
            text_ = _industry_filter(text_)
        if key == "entity_type" and text_ not in ENTITY_TYPES:
            raise invalid("inspections.filter", f"未知的主体类型:{text_}", f"Unknown entity type: {text_}",
                          "filters.entity_type")
        if key == "status" and text_ != "any" and text_ not in STATUS_LABELS:
            raise invalid("inspections.filter", f"未知的登记状态:{text_}", f"Unknown status: {text_}",
                          "filters.status")
        if key == "licence":
            kind = registry_refdata.licence_kind(text_)
            if kind is None:
                raise invalid("inspections.filter", f"未知的许可证种类:{text_}", f"Unknown licence kind: {text_}",
                              "filters.licence")
            text_ = kind.code
        out[key] = text_
    return out


def _industry_filter(value: str) -> str:
    """A GB/T 4754 section letter, or a code prefix of 1–4 digits (with or without its section letter, stored
    without it, as the registry stores codes); 422 if no division of the table matches."""
    upper = value.upper()
    digits = upper[1:] if len(upper) > 1 and upper[0].isalpha() else upper
    known = registry_refdata.industry(upper) is not None or (
        len(digits) == 1 and digits.isdigit()
        and any(c.code.startswith(digits) for c in registry_refdata.industries().values() if c.level == 2))
    if not known:
        raise invalid("inspections.filter", f"未知的行业代码:{value}", f"Unknown industry code: {value}",
                      "filters.industry")
    return digits


_SEPARATORS = str.maketrans({"；": ";", "、": ";", ",": ";", "，": ";"})

"""What the sampling pages show by name, in Chinese and English: statuses, verdicts, levels, categories and
disposal actions."""

from __future__ import annotations

from typing import Any

from zhiliang.sampling import disposal, domain

STATUS = {"registered": ("已登记", "registered"), "tested": ("已检验", "tested"), "notified": ("已送达", "notified"),
          "objected": ("异议中", "objected"), "retesting": ("复检中", "retesting"), "retested": ("已复检", "retested"),
          "confirmed": ("已确认", "confirmed"), "published": ("已公布", "published")}
VERDICT = {"pass": ("合格", "pass"), "fail": ("不合格", "fail"), "info": ("不判定", "not judged"), None: ("—", "—")}


def names() -> dict[str, Any]:
    """The template context every sampling page gets."""
    return {"statuses": STATUS, "verdicts": VERDICT, "levels": domain.LEVEL_NAMES, "catalogue": domain.catalogue(),
            "actions": disposal.ACTIONS}

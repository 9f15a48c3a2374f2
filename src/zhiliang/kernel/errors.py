"""Domain errors, rendered by the web layer as RFC 9457 problem details with Chinese and English messages.

Services raise these; they never build HTTP responses. ``field`` names the input at fault (a JSON pointer-ish
path such as ``uscc`` or ``rows/12/成立日期``) so an integrator can point at it.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any


@dataclass
class DomainError(Exception):
    """Base of every expected failure. ``code`` is stable and machine-readable (``registry.uscc.invalid``)."""

    code: str
    zh: str
    en: str
    field: str | None = None
    status: int = 400
    extra: dict[str, Any] = dataclasses.field(default_factory=dict)

    def __post_init__(self) -> None:
        super().__init__(self.en)

    def problem(self, instance: str | None = None) -> dict[str, Any]:
        """The RFC 9457 body: ``type``, ``title``, ``status``, ``detail`` plus ``zh``, ``en``, ``code``, ``field``."""
        body: dict[str, Any] = {
            "type": f"urn:zhiliang:problem:{self.code}",
            "title": self.en,
            "status": self.status,
            "detail": f"{self.zh} / {self.en}",
            "code": self.code,
            "zh": self.zh,
            "en": self.en,
        }
        if self.field is not None:
            body["field"] = self.field
        if instance:
            body["instance"] = instance
        body.update(self.extra)
        return body


def invalid(code: str, zh: str, en: str, field: str | None = None, **extra: Any) -> DomainError:
    """422: the input is well-formed but breaks a rule."""
    return DomainError(code, zh, en, field, 422, dict(extra))


def bad_request(code: str, zh: str, en: str, field: str | None = None, **extra: Any) -> DomainError:
    """400: the input cannot be read (wrong encoding, truncated file, malformed JSON)."""
    return DomainError(code, zh, en, field, 400, dict(extra))


def not_found(what_zh: str, what_en: str, key: object) -> DomainError:
    return DomainError("not_found", f"未找到{what_zh}:{key}", f"{what_en} not found: {key}", None, 404)


def conflict(code: str, zh: str, en: str, field: str | None = None) -> DomainError:
    """409: the request contradicts the current state (an illegal transition, a duplicate key)."""
    return DomainError(code, zh, en, field, 409)


def forbidden(zh: str = "无权执行此操作", en: str = "You are not allowed to do this") -> DomainError:
    return DomainError("forbidden", zh, en, None, 403)


def unauthenticated() -> DomainError:
    return DomainError("unauthenticated", "请先登录", "Please log in first", None, 401)

"""zh/en: pages are Chinese first with an English switch (SPEC principle 5).

Texts are written as pairs where they are used (``t("企业查询", "Enterprise search")``): with two languages,
a pair beside its use is easier to keep right than a key in a distant catalog. Shared vocabulary (statuses,
roles) lives in :data:`VOCABULARY`.
"""

from __future__ import annotations

from dataclasses import dataclass

LOCALES = ("zh", "en")

VOCABULARY: dict[str, tuple[str, str]] = {
    "role.public": ("公众", "Public"),
    "role.enterprise": ("企业", "Enterprise"),
    "role.cb": ("认证机构", "Certification body"),
    "role.lab": ("检验检测机构", "Laboratory"),
    "role.regulator": ("监管人员", "Regulator"),
    "role.admin": ("系统管理员", "Administrator"),
}


@dataclass(frozen=True)
class Translator:
    locale: str = "zh"

    def __call__(self, zh: str, en: str) -> str:
        return zh if self.locale == "zh" else en

    def word(self, key: str) -> str:
        """A shared term from :data:`VOCABULARY`; unknown keys come back unchanged."""
        pair = VOCABULARY.get(key)
        return key if pair is None else self(*pair)


def negotiate(query: str | None, cookie: str | None, default: str = "zh") -> str:
    """The locale for a request: an explicit ``?lang=``, then the ``lang`` cookie set by the switch, else default.

    The browser's Accept-Language is deliberately not consulted: the platform is Chinese first (SPEC principle
    5), and an English-language browser on a Chinese regulator's desk should not flip the console to English.
    """
    for choice in (query, cookie):
        if choice in LOCALES:
            return choice
    return default

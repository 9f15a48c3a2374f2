"""Search keys of names: normalised text, overlapping bigrams and pinyin initials.

Pure functions; the search index stores what they produce, and queries pass through the same functions, so a
query matches exactly when it is a substring of the normalised name.
"""

from __future__ import annotations

import unicodedata
from functools import cache, lru_cache

from pypinyin import Style, lazy_pinyin
from pypinyin.constants import PINYIN_DICT


def normalize(text: str) -> str:
    """The search key of a name or query: NFKC (full-width → half-width), case-folded, letters and digits only.

    Punctuation and spaces are dropped on both sides, so ``恒达(重庆)`` is found by ``恒达重庆``.
    """
    return "".join(ch for ch in unicodedata.normalize("NFKC", text).casefold() if ch.isalnum())


def bigrams(norm: str) -> list[str]:
    """Overlapping two-character grams of an already normalised string (``"食品厂"`` → ``["食品", "品厂"]``).

    A one-character string yields itself, so single-character names stay findable.
    """
    if len(norm) < 2:
        return [norm] if norm else []
    return [norm[i : i + 2] for i in range(len(norm) - 1)]


def _first_letter(reading: str) -> str:
    return unicodedata.normalize("NFD", reading)[0].lower()


@cache
def _unambiguous() -> dict[str, str]:
    """Han characters whose every reading starts with the same letter, mapped to that letter.

    Built once from pypinyin's dictionary (~40k entries, tens of milliseconds). Characters with readings that
    start differently (重 zhòng/chóng, 长, 行) are left out and resolved in context.
    """
    table: dict[str, str] = {}
    for codepoint, readings in PINYIN_DICT.items():
        letters = {_first_letter(r) for r in readings.split(",") if r}
        if len(letters) == 1:
            table[chr(codepoint)] = letters.pop()
    return table


@lru_cache(maxsize=65536)
def _in_context(window: str, index: int) -> str:
    # pypinyin resolves polyphones through its phrase dictionary; a window of two characters either side is
    # enough for the phrases it knows (重庆 → cq, 银行 → yh), and repeats hit this cache.
    letters = lazy_pinyin(window, style=Style.FIRST_LETTER, errors=lambda s: list(s))
    return letters[index][:1].lower() if index < len(letters) else ""


def initials(name: str) -> str:
    """Pinyin initials of a name (``"重庆恒达食品有限公司"`` → ``"cqhdspyxgs"``); letters and digits kept as is.

    Unambiguous characters come from a table; polyphonic ones are read in their context. Punctuation is
    dropped. Cost: about 2 µs per name plus a cached phrase look-up per polyphonic character.
    """
    norm = normalize(name)
    table = _unambiguous()
    out: list[str] = []
    for i, ch in enumerate(norm):
        letter = table.get(ch)
        if letter is not None:
            out.append(letter)
        elif ch.isascii():
            if ch.isalnum():
                out.append(ch)
        elif ord(ch) in PINYIN_DICT:
            start = max(0, i - 2)
            out.append(_in_context(norm[start : i + 3], i - start))
    return "".join(out)

"""Search keys of names: normalised text, overlapping bigrams and pinyin initials.

Pure functions; the search index stores what they produce, and queries pass through the same functions, so a
query matches exactly when it is a substring of the normalised name.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache, lru_cache

from pypinyin.constants import PHRASES_DICT, PINYIN_DICT

# str.isalnum() is exactly regex \w without the underscore (checked over every code point in the unit tests);
# one C-level substitution instead of a Python loop per character.
_NOT_ALNUM = re.compile(r"[\W_]+")
_IN_CONTEXT = "\x00"  # marks a polyphonic character in initials(); never part of a normalised string


def normalize(text: str) -> str:
    """The search key of a name or query: NFKC (full-width → half-width), case-folded, letters and digits only.

    Punctuation and spaces are dropped on both sides, so ``恒达(重庆)`` is found by ``恒达重庆``.
    """
    return _NOT_ALNUM.sub("", unicodedata.normalize("NFKC", text).casefold())


def bigrams(norm: str) -> list[str]:
    """Overlapping two-character grams of an already normalised string (``"食品厂"`` → ``["食品", "品厂"]``).

    A one-character string yields itself, so single-character names stay findable.
    """
    if len(norm) < 2:
        return [norm] if norm else []
    return [norm[i : i + 2] for i in range(len(norm) - 1)]


def trigrams(norm: str) -> list[str]:
    """Overlapping three-character grams (``"食品厂家"`` → ``["食品厂", "品厂家"]``); empty below three characters."""
    return [norm[i : i + 3] for i in range(len(norm) - 2)]


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


@cache
def _letter_table() -> dict[int, str]:
    """``str.translate`` table over every Han character pypinyin knows: its letter when unambiguous, else
    :data:`_IN_CONTEXT`. Letters and digits outside the table pass through unchanged."""
    table = {ord(ch): letter for ch, letter in _unambiguous().items()}
    for codepoint in PINYIN_DICT:
        table.setdefault(codepoint, _IN_CONTEXT)
    return table


def _in_context(norm: str, i: int) -> str:
    start = max(0, i - 2)
    return _window_letter(norm[start : i + 3], i - start)


@lru_cache(maxsize=1 << 16)
def _window_letter(norm: str, i: int) -> str:
    # A polyphonic character takes its reading from a word of pypinyin's phrase dictionary that contains it
    # (重庆 → c, 重量 → z, 银行 → h); two- and three-character words around it are tried, nearest first, and
    # failing all of them its most common reading. Dictionary look-ups only: pypinyin's own segmentation
    # costs ~75 µs a name, too slow for million-row imports.
    for start, end in ((i - 1, i + 1), (i, i + 2), (i - 2, i + 1), (i - 1, i + 2), (i, i + 3)):
        if start >= 0 and end <= len(norm):
            readings = PHRASES_DICT.get(norm[start:end])
            if readings is not None and len(readings) == end - start:
                return _first_letter(readings[i - start][0])
    return _first_letter(PINYIN_DICT[ord(norm[i])].split(",")[0])


def initials(name: str) -> str:
    """Pinyin initials of a name (``"重庆恒达食品有限公司"`` → ``"cqhdspyxgs"``); letters and digits kept as is.

    Unambiguous characters come from a table; polyphonic ones are read in their context. Punctuation is
    dropped. Cost: about 1 µs per name plus a cached phrase look-up (~0.6 µs) per polyphonic character
    (有, 限, 司 and 区 are; a typical company name has four or five).
    """
    norm = normalize(name)
    # One C-level pass maps every character to one character (so positions stay those of ``norm``); only the
    # polyphonic ones are then resolved in Python.
    out = norm.translate(_letter_table())
    if _IN_CONTEXT in out:
        pieces = out.split(_IN_CONTEXT)
        parts, position = [pieces[0]], len(pieces[0])
        for piece in pieces[1:]:
            parts += (_in_context(norm, position), piece)
            position += 1 + len(piece)
        out = "".join(parts)
    # Non-ASCII characters left over have no pinyin reading (kana, Greek, rare Han): dropped, like punctuation.
    return out if out.isascii() else "".join(ch for ch in out if ch.isascii())

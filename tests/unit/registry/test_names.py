"""Search keys of names: the fast paths give exactly what the plain per-character rules give."""

from __future__ import annotations

import re
import unicodedata

from hypothesis import given
from hypothesis import strategies as st
from pypinyin.constants import PINYIN_DICT

from zhiliang.registry import names


def _reference_normalize(text: str) -> str:
    return "".join(ch for ch in unicodedata.normalize("NFKC", text).casefold() if ch.isalnum())


def _reference_initials(name: str) -> str:
    norm = _reference_normalize(name)
    table = names._unambiguous()
    out = []
    for i, ch in enumerate(norm):
        if ch in table:
            out.append(table[ch])
        elif ch.isascii():
            out.append(ch)
        elif ord(ch) in PINYIN_DICT:
            out.append(names._in_context(norm, i))
    return "".join(out)


def test_not_alnum_pattern_is_exactly_not_isalnum():
    pattern = re.compile(r"[^\W_]")
    assert [c for c in map(chr, range(0x110000)) if c.isalnum() != bool(pattern.fullmatch(c))] == []


HAN = st.sampled_from(sorted(chr(c) for c in PINYIN_DICT))
NAME_CHARS = st.one_of(HAN, st.characters(), st.sampled_from("重庆长行银有限公司区（）_- ＡＢ１"))


@given(st.text(NAME_CHARS, max_size=30))
def test_normalize_and_initials_match_the_per_character_rules(name):
    assert names.normalize(name) == _reference_normalize(name)
    assert names.initials(name) == _reference_initials(name)


def test_initials_examples():
    assert names.initials("重庆恒达食品有限公司") == "cqhdspyxgs"
    assert names.initials("沙坪坝区恒达（重庆）ＡＢ_1") == "spbqhdcqab1"
    assert names.initials("") == ""

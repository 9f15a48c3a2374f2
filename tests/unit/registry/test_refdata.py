"""Reference code tables: GB/T 2260 divisions and GB/T 4754-2017 industries (zhiliang.registry.refdata)."""

from __future__ import annotations

import re
import string

import pytest

from zhiliang.registry import refdata
from zhiliang.registry.refdata import (
    Code,
    children,
    division,
    division_path,
    divisions,
    industries,
    industry,
    is_county_level,
)

# ---------------------------------------------------------------- divisions (GB/T 2260)


def test_all_34_provincial_level_divisions():
    provinces = {c.code: c.name for c in divisions().values() if c.level == 1}
    assert len(provinces) == 34
    mainland = {code for code in provinces if code not in {"710000", "810000", "820000"}}
    assert len(mainland) == 31
    assert provinces["110000"] == "北京市"
    assert provinces["310000"] == "上海市"
    assert provinces["340000"] == "安徽省"
    assert provinces["500000"] == "重庆市"
    assert provinces["650000"] == "新疆维吾尔自治区"
    assert provinces["710000"] == "台湾省"
    assert provinces["810000"] == "香港特别行政区"
    assert provinces["820000"] == "澳门特别行政区"


def test_every_code_is_six_digits_and_level_matches_shape():
    for code, entry in divisions().items():
        assert re.fullmatch(r"\d{6}", code), code
        assert entry.code == code
        assert entry.name, code
        if entry.level == 1:
            assert code.endswith("0000") and entry.parent_code is None, entry
        elif entry.level == 2:
            assert code.endswith("00") and not code.endswith("0000"), entry
        elif entry.level == 3:
            assert not code.endswith("00"), entry
        else:
            pytest.fail(f"bad level: {entry}")


def test_every_parent_exists_one_level_up_in_the_same_province():
    table = divisions()
    for entry in table.values():
        if entry.level == 1:
            continue
        parent = table.get(entry.parent_code)
        assert parent is not None, entry
        assert parent.code[:2] == entry.code[:2], entry
        assert parent.level < entry.level, entry
        if parent.level == 2:
            assert parent.code[:4] == entry.code[:4], entry
        if entry.level == 2:
            assert parent.level == 1, entry


def test_no_pseudo_levels_are_stored():
    for pseudo in ("110100", "120100", "310100", "500100", "500200", "419000", "429000", "469000", "659000"):
        assert division(pseudo) is None, pseudo


def test_counts_are_plausible():
    levels = [c.level for c in divisions().values()]
    assert levels.count(2) > 300
    assert levels.count(3) > 2800


def test_chongqing_county_tree():
    sha = division("500106")
    assert sha == Code("500106", "沙坪坝区", 3, "500000")
    kids = children("500000")
    assert len(kids) >= 37
    assert all(k.level == 3 and k.code.startswith("50") for k in kids)
    names = {k.name for k in kids}
    assert {"渝中区", "沙坪坝区", "万州区", "城口县", "石柱土家族自治县"} <= names
    assert division("500243").name == "彭水苗族土家族自治县"  # a county formerly under 500200


def test_shanghai_districts():
    assert division("310115") == Code("310115", "浦东新区", 3, "310000")
    kids = children("310000")
    assert len(kids) == 16
    assert {"黄浦区", "徐汇区", "崇明区"} <= {k.name for k in kids}


def test_anhui_tongling():
    assert division("340700") == Code("340700", "铜陵市", 2, "340000")
    assert [(k.code, k.name) for k in children("340700")] == [
        ("340705", "铜官区"),
        ("340706", "义安区"),
        ("340711", "郊区"),
        ("340722", "枞阳县"),
    ]
    prefectures = [k for k in children("340000") if k.level == 2]
    assert len(prefectures) == 16


def test_well_known_codes():
    assert division("110000").name == "北京市"
    assert division("440300").name == "深圳市"
    assert division("440300").parent_code == "440000"
    assert division(" 500106 ").name == "沙坪坝区"


def test_unknown_and_malformed_codes():
    for bad in ("", "   ", "999999", "50010", "5001060", "abcdef"):
        assert division(bad) is None
        assert division_path(bad) == []
        assert children(bad) == []
        assert is_county_level(bad) is False


def test_division_path():
    assert [c.code for c in division_path("340705")] == ["340000", "340700", "340705"]
    assert [c.name for c in division_path("500106")] == ["重庆市", "沙坪坝区"]
    assert [c.code for c in division_path("440000")] == ["440000"]
    assert [c.code for c in division_path("429004")] == ["420000", "429004"]  # 仙桃市, province-administered


def test_children_are_sorted_and_direct():
    kids = children("440000")
    assert [k.code for k in kids] == sorted(k.code for k in kids)
    assert all(k.parent_code == "440000" for k in kids)
    assert children("500106") == []
    assert children("441900") == []  # 东莞市 has no county level


def test_is_county_level():
    assert is_county_level("500106")
    assert is_county_level("340722")
    assert not is_county_level("340700")
    assert not is_county_level("340000")
    assert not is_county_level("441900")


def test_tables_are_cached():
    assert divisions() is divisions()
    assert industries() is industries()


# ---------------------------------------------------------------- industries (GB/T 4754-2017)

SECTION_RANGES = {
    "A": (1, 5),
    "B": (6, 12),
    "C": (13, 43),
    "D": (44, 46),
    "E": (47, 50),
    "F": (51, 52),
    "G": (53, 60),
    "H": (61, 62),
    "I": (63, 65),
    "J": (66, 69),
    "K": (70, 70),
    "L": (71, 72),
    "M": (73, 75),
    "N": (76, 79),
    "O": (80, 82),
    "P": (83, 83),
    "Q": (84, 85),
    "R": (86, 90),
    "S": (91, 96),
    "T": (97, 97),
}


def test_exactly_20_sections_a_to_t():
    sections = [c for c in industries().values() if c.level == 1]
    assert [c.code for c in sections] == list(string.ascii_uppercase[:20])
    assert all(c.parent_code is None for c in sections)
    assert industry("C").name == "制造业"
    assert industry("I").name == "信息传输、软件和信息技术服务业"


def test_exactly_97_divisions_01_to_97():
    divs = [c for c in industries().values() if c.level == 2]
    assert len(divs) == 97
    assert sorted(c.code for c in divs) == [f"{n:02d}" for n in range(1, 98)]
    assert all(re.fullmatch(r"\d{2}", c.code) for c in divs)


def test_every_division_is_under_its_section():
    for c in industries().values():
        if c.level != 2:
            continue
        (section,) = [s for s, (lo, hi) in SECTION_RANGES.items() if lo <= int(c.code) <= hi]
        assert c.parent_code == section, c
    assert {c.parent_code for c in industries().values() if c.level == 2 and 13 <= int(c.code) <= 43} == {"C"}


def test_well_known_industry_names():
    assert industry("14") == Code("14", "食品制造业", 2, "C")
    assert industry("39").name == "计算机、通信和其他电子设备制造业"
    assert industry("65") == Code("65", "软件和信息技术服务业", 2, "I")
    assert industry("01").name == "农业"
    assert industry("97") == Code("97", "国际组织", 2, "T")


def test_industry_group_and_class_fall_back_to_division():
    assert industry("1411").code == "14"
    assert industry("651").code == "65"
    assert industry("6513").code == "65"
    assert industry(" c ").code == "C"
    assert industry("C14").code == "14"
    assert industry("c3911").code == "39"
    assert industry("I6513").code == "65"


def test_industry_rejects_bad_codes():
    for bad in ("", "U", "Z", "00", "98", "9801", "0", "12345", "1a", "C65", "I14", "CC", "AB12", "１４"):
        assert industry(bad) is None, bad


def test_module_imports_without_reading_data():
    # the loaders are cached functions; nothing else is computed at import time
    assert callable(refdata.divisions.cache_clear)

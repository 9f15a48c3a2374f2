"""Certificate numbers: normalisation, recognised formats, and checks against the certification type."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from zhiliang.certificates import domain as d


@pytest.mark.parametrize(("raw", "parts"), [
    ("2016010901123456", {"year": "2016", "cb_code": "01", "category": "0901", "category_major": "09",
                          "serial": "123456"}),
    ("2002010701000001", {"year": "2002", "cb_code": "01", "category": "0701"}),
    ("2024011101654321", {"year": "2024", "category_major": "11"}),
])
def test_real_looking_ccc_numbers(raw: str, parts: dict[str, str]) -> None:
    parsed = d.parse_number(raw, year_now=2025)
    assert (parsed.kind, parsed.ok, parsed.problems) == ("ccc", True, [])
    assert parts.items() <= parsed.parts.items()
    assert d.validate_for_type(parsed, "CCC") == []


@pytest.mark.parametrize(("raw", "code"), [
    ("201601090112345", "certs.ccc_length"), ("20160109011234567", "certs.ccc_length"),
    ("1999010901123456", "certs.ccc_year"), ("0000010901123456", "certs.ccc_year"),
    ("2031010901123456", "certs.ccc_year"),
])
def test_near_ccc_numbers_are_other_and_refused_for_ccc(raw: str, code: str) -> None:
    parsed = d.parse_number(raw, year_now=2025)
    assert parsed.kind == "other" and parsed.ok
    assert [p.code for p in parsed.problems] == [code]
    errors = [p for p in d.validate_for_type(parsed, "CCC") if p.severity == "error"]
    assert [p.code for p in errors] == ["certs.ccc_number"]
    assert all(p.severity == "warning" for p in d.validate_for_type(parsed, "QMS"))


def test_future_year_is_only_checked_when_the_year_is_given() -> None:
    assert d.parse_number("2031010901123456").kind == "ccc"


@pytest.mark.parametrize(("raw", "expected"), [
    ("２０１６０１０９０１１２３４５６", "2016010901123456"),
    (" 2016 0109 0112 3456 ", "2016010901123456"),
    ("2016\u200b0109\ufeff01123456", "2016010901123456"),
    ("2O16O1O9O1I23456", "2016010901123456"),
    ("2o16o1o9o1i23456", "2016010901123456"),
    ("２Ｏ１６０１０９０１１２３４５６", "2016010901123456"),
    ("00115q212345r1m", "00115Q212345R1M"),
    ("OO118Q2OI23RO", "00118Q20123R0"),
    ("00118II0001R0S", "00118I10001R0S"),
    ("0O1OP1I00001-I", "001OP1100001-1"),
    ("cnca－r－2002－001", "CNCA-R-2002-001"),
    ("ISO-9001 / ABC", "ISO-9001/ABC"),
    ("OOOOOOOOOOOOOOOO", "OOOOOOOOOOOOOOOO"),  # would be year 0000: not a CCC number, so no substitution
    ("SGS-IO-2O23", "SGS-IO-2O23"),  # unfamiliar: O and I kept everywhere
    ("QI2O1601090112345", "QI2O1601090112345"),
])
def test_normalize(raw: str, expected: str) -> None:
    assert d.normalize_number(raw) == expected


def test_letters_kept_in_letter_positions() -> None:
    parsed = d.parse_number("00118SOI234ROL")
    assert parsed.normalized == "00118S01234R0L"
    assert parsed.parts["type_letters"] == "S" and parsed.parts["size"] == "L"


@pytest.mark.parametrize(("raw", "parts"), [
    ("03410Q10286R0S", {"cb_code": "034", "year": "2010", "type_letters": "Q", "type_code": "QMS", "serial": "10286",
                        "cycle": "0", "size": "S"}),
    ("00115Q212345R1M/1000", {"cb_code": "001", "year": "2015", "serial": "212345", "cycle": "1", "size": "M",
                              "branch": "1000"}),
    ("00118E20123R2L", {"type_code": "EMS", "cycle": "2"}),
    ("00121S30001R0M", {"type_code": "OHSMS"}),
    ("00119F00012R1S", {"type_code": "FSMS"}),
    ("00119H00012R1", {"type_code": "HACCP"}),
    ("00120I10001R0M", {"type_code": "ISMS"}),
    ("00122EN00231R0M", {"type_code": "EnMS", "type_letters": "EN"}),
    ("00122IT00231R0M", {"type_code": "ITSMS"}),
])
def test_management_system_numbers(raw: str, parts: dict[str, str]) -> None:
    parsed = d.parse_number(raw)
    assert parsed.kind == "cnca_ms" and parsed.ok
    assert parts.items() <= parsed.parts.items()
    assert d.validate_for_type(parsed, parsed.parts["type_code"]) == []


def test_management_system_letter_mismatch_is_a_warning() -> None:
    problems = d.validate_for_type(d.parse_number("03410Q10286R0S"), "EMS")
    assert [(p.code, p.severity) for p in problems] == [("certs.type_letter", "warning")]


def test_organic_numbers() -> None:
    parsed = d.parse_number("001OP1100001-1")
    assert parsed.kind == "organic"
    assert parsed.parts == {"cb_code": "001", "year": "2011", "serial": "00001", "sub": "1"}
    assert d.parse_number("F01OP2300123").parts["cb_code"] == "F01"
    assert d.validate_for_type(parsed, "ORGANIC") == []
    assert [p.severity for p in d.validate_for_type(parsed, "GREEN")] == ["warning"]
    assert [p.severity for p in d.validate_for_type(d.parse_number("CQC-GP-123"), "ORGANIC")] == ["warning"]


@pytest.mark.parametrize("raw", [
    "CQC23701409876", "CNCA-R-2002-001", "SH-BRAND-2021-0001", "GP2023ABC", "ISO 9001:2015 No.12345", "认证第123号",
    "A", "12345", "x" * 64])
def test_unfamiliar_formats_are_accepted_as_other(raw: str) -> None:
    parsed = d.parse_number(raw)
    assert parsed.kind == "other" and parsed.ok
    assert [p for p in d.validate_for_type(parsed, "QMS") if p.severity == "error"] == []


def test_ccc_format_on_another_type_is_a_warning() -> None:
    problems = d.validate_for_type(d.parse_number("2016010901123456"), "GREEN")
    assert [(p.code, p.severity) for p in problems] == [("certs.ccc_format", "warning")]


@pytest.mark.parametrize(("raw", "code"), [
    ("", "certs.number_empty"), ("  \u200b ", "certs.number_empty"), ("x" * 65, "certs.number_too_long"),
    ("2016\x000109", "certs.number_control"), ("ABC\x07", "certs.number_control")])
def test_refused_numbers(raw: str, code: str) -> None:
    parsed = d.parse_number(raw)
    assert parsed.kind == "invalid" and not parsed.ok
    assert [p.code for p in parsed.problems] == [code]
    assert all(p.zh and p.en for p in parsed.problems)
    assert code in [p.code for p in d.validate_for_type(parsed, "QMS")]


_ALPHABET = st.sampled_from("0123456789OIoiQESFHRMLNTP-/ ０１２Ｏｏ\u200b\u3000（）")


@given(st.text())
def test_normalize_is_idempotent(raw: str) -> None:
    once = d.normalize_number(raw)
    assert d.normalize_number(once) == once


@given(st.text(_ALPHABET, max_size=24))
def test_normalize_is_idempotent_near_the_formats(raw: str) -> None:
    once = d.normalize_number(raw)
    assert d.normalize_number(once) == once


@given(st.text())
def test_parse_never_raises(raw: str) -> None:
    parsed = d.parse_number(raw, year_now=2025)
    assert parsed.kind in {"ccc", "cnca_ms", "organic", "other", "invalid"}
    for type_code in ("CCC", "QMS", "ORGANIC"):
        d.validate_for_type(parsed, type_code)


@given(st.text(_ALPHABET, max_size=24))
def test_parse_of_normalized_is_the_same(raw: str) -> None:
    parsed = d.parse_number(raw)
    assert d.parse_number(parsed.normalized) == parsed

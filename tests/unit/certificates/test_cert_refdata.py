"""Certification types as reference data (certificates.refdata)."""

from __future__ import annotations

import re

from zhiliang.certificates import refdata

FIXED = ("QMS", "EMS", "OHSMS", "FSMS", "HACCP", "ISMS", "EnMS", "CCC", "GREEN", "ORGANIC", "LOWCARBON", "SERVICE")


def test_the_registry_codes_exist() -> None:
    assert set(FIXED) <= set(refdata.cert_types())


def test_standards_as_the_issue_names_them() -> None:
    standard = {c: t.standard for c, t in refdata.cert_types().items()}
    assert standard["QMS"] == "GB/T 19001-2016"
    assert standard["EMS"] == "GB/T 24001-2016"
    assert standard["OHSMS"] == "GB/T 45001-2020"
    assert standard["FSMS"] == "GB/T 22000-2006"
    assert standard["HACCP"] == "GB/T 27341-2009"
    assert standard["ISMS"] == "GB/T 22080-2016"
    assert standard["EnMS"] == "GB/T 23331-2020"
    assert standard["ITSMS"].startswith("GB/T 24405.1")
    assert standard["GREEN"] == "GB/T 33761-2017"
    assert standard["ORGANIC"] == "GB/T 19630-2019"
    assert standard["SERVICE"] == "GB/T 27922-2011"
    assert "实施规则" in standard["CCC"]


def test_every_row_is_well_formed() -> None:
    for code, t in refdata.cert_types().items():
        assert t.code == code and re.fullmatch(r"[A-Za-z]{2,12}", code)
        assert t.category in refdata.CATEGORIES
        assert t.name_zh and t.name_en and t.standard
    categories = {t.category for t in refdata.cert_types().values()}
    assert categories == set(refdata.CATEGORIES)


def test_only_ccc_is_compulsory() -> None:
    assert [c for c, t in refdata.cert_types().items() if t.compulsory] == ["CCC"]
    assert refdata.cert_type("CCC").category == "product"


def test_lookup_is_exact_and_cached() -> None:
    assert refdata.cert_type("EnMS") is not None
    assert refdata.cert_type("ENMS") is None
    assert refdata.cert_types() is refdata.cert_types()

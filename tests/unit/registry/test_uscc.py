"""Tests for zhiliang.registry.uscc (GB 32100-2015 / GB 11714-1997)."""

import random
import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from stdnum.cn import uscc as stdnum_uscc

from zhiliang.registry import uscc

VECTORS_FILE = Path(__file__).with_name("stdnum_uscc_vectors.txt")
STDNUM_SOURCE = Path(stdnum_uscc.__file__)


def _load_fixture() -> list[tuple[str, bool]]:
    vectors, section = [], None
    for raw in VECTORS_FILE.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("["):
            section = line.strip("[]")
            continue
        vectors.append((line, section == "valid"))
    return vectors


def _load_docstring_vectors() -> list[tuple[str, bool]]:
    # stdnum ships its module doctests inside the module docstring:
    # ">>> validate('X')" followed by the returned code (valid) or a Traceback.
    doc = stdnum_uscc.__doc__ or ""
    found = re.findall(r">>> validate\('([^']*)'\)\n(\S+)", doc)
    return [(code, not result.startswith("Traceback")) for code, result in found]


FIXTURE_VECTORS = _load_fixture()
DOC_VECTORS = _load_docstring_vectors()
ALL_VECTORS = FIXTURE_VECTORS + DOC_VECTORS
DIGIT_INITIAL = [(c, ok) for c, ok in ALL_VECTORS if c[:1].isdigit()]


def test_vector_sources_loaded():
    assert len(FIXTURE_VECTORS) == 388
    assert sum(1 for _, ok in FIXTURE_VECTORS if not ok) == 4
    assert DOC_VECTORS, "stdnum module docstring no longer carries validate() examples"


@pytest.mark.parametrize(("code", "stdnum_valid"), DIGIT_INITIAL)
def test_verdict_matches_stdnum(code, stdnum_valid):
    assert stdnum_uscc.is_valid(code) == stdnum_valid  # fixture sanity
    assert uscc.is_valid(code) == stdnum_valid


@pytest.mark.parametrize("code", [c for c, ok in ALL_VECTORS if ok])
def test_checksum_agrees_with_stdnum(code):
    compact = uscc.normalize(code)
    assert uscc.check_digit(compact[:17]) == stdnum_uscc.calc_check_digit(compact[:17])


@pytest.mark.parametrize("code", [c for c, ok in FIXTURE_VECTORS if ok])
def test_published_valid_codes_pass_org_check(code):
    result = uscc.check(code)
    assert result.org_code_ok and result.warnings == ()


@pytest.mark.parametrize("department", ["N", "Y", "A"])
def test_letter_initial_codes_are_valid(department):
    code = uscc.make(department, "1", "110000", "MA01C3KD")
    result = uscc.check(code)
    assert code[0] == department
    assert result.valid and result.org_code_ok
    assert not stdnum_uscc.is_valid(code)  # the reason we do not use stdnum


def test_stdnum_letter_initial_vector_is_checked_by_checksum_only():
    # stdnum rejects A1110000600037341L for its first letter; we reject it only
    # because its check character no longer matches.
    result = uscc.check("A1110000600037341L")
    assert [p.code for p in result.errors] == ["uscc.check_digit"]


def _with_bad_org_check(code: str) -> str:
    wrong = next(c for c in "0123456789X" if c != code[16])
    first17 = code[:16] + wrong
    return first17 + uscc.check_digit(first17)


def test_org_code_failure_only_is_a_warning():
    code = _with_bad_org_check("91110000600037341L")
    result = uscc.check(code)
    assert result.valid is True
    assert result.org_code_ok is False
    assert result.errors == ()
    assert [p.code for p in result.warnings] == ["uscc.org_code_check"]
    assert "GB 11714" in result.warnings[0].zh and "GB 11714" in result.warnings[0].en


def test_wrong_check_digit():
    result = uscc.check("91110000600037341N")
    assert not result.valid
    assert [p.code for p in result.errors] == ["uscc.check_digit"]
    assert result.errors[0].zh == "统一社会信用代码校验位错误,应为 L"
    assert result.errors[0].en == "USCC check character is wrong; expected L"


@pytest.mark.parametrize("text", ["", "12345", "91110000600037341", "91110000600037341LL"])
def test_wrong_length(text):
    result = uscc.check(text)
    assert not result.valid and not result.org_code_ok
    assert "uscc.length" in [p.code for p in result.errors]


@pytest.mark.parametrize("letter", ["Z", "S", "V"])
def test_forbidden_letters(letter):
    code = "9111000060003734" + letter + "L"
    result = uscc.check(code)
    assert not result.valid
    assert [p.code for p in result.errors] == ["uscc.charset"]
    assert letter in result.errors[0].en


def test_division_must_be_digits():
    first17 = "91A10000600037341"
    result = uscc.check(first17 + uscc.check_digit(first17))
    assert [p.code for p in result.errors] == ["uscc.division"]


@pytest.mark.parametrize("text", [
    "９１１１００００６０００３７３４１Ｌ",
    "91 110000 600037341L",
    "91-110000-600037341-L",
    "91\u3000110000\u3000600037341L",
    "91－110000－600037341Ｌ",
    "91110000600037341l",
    "9111OOOO6OOO37341L",
    "9III0000600037341L",
])
def test_normalisation(text):
    assert uscc.normalize(text) == "91110000600037341L"
    assert uscc.is_valid(text)


def test_normalize_leaves_ambiguous_letters_alone():
    assert uscc.normalize("zsv") == "ZSV"


def test_make_rejects_bad_parts():
    with pytest.raises(ValueError):
        uscc.make("I", "1", "110000", "60003734")
    with pytest.raises(ValueError):
        uscc.make("9", "1", "11000", "60003734")
    with pytest.raises(ValueError):
        uscc.make("9", "1", "110000", "6000373")


def test_check_digit_functions_reject_bad_input():
    with pytest.raises(ValueError):
        uscc.check_digit("9111000060003734")
    with pytest.raises(ValueError):
        uscc.org_check_digit("6000373a")


def test_org_check_digit_known_values():
    assert uscc.org_check_digit("60003734") == "1"
    assert uscc.org_check_digit("07837941") == "X"
    assert uscc.org_check_digit("56010553") == "X"


def test_random_uscc_is_deterministic_and_valid():
    a = uscc.random_uscc(random.Random(7), "310115")
    b = uscc.random_uscc(random.Random(7), "310115")
    assert a == b and a[2:8] == "310115" and a[:2] == "91"
    assert uscc.check(a).valid and uscc.check(a).org_code_ok


alphabet_char = st.sampled_from(uscc.ALPHABET)
valid_codes = st.builds(
    uscc.make,
    alphabet_char,
    alphabet_char,
    st.text("0123456789", min_size=6, max_size=6),
    st.text(uscc.ALPHABET, min_size=8, max_size=8),
)


@given(valid_codes)
def test_make_always_valid(code):
    result = uscc.check(code)
    assert result.valid and result.org_code_ok and result.code == code


@given(valid_codes, st.integers(0, 17), alphabet_char)
def test_single_substitution_is_detected(code, pos, replacement):
    if code[pos] == replacement:
        replacement = uscc.ALPHABET[(uscc.ALPHABET.index(replacement) + 1) % 31]
    mutated = code[:pos] + replacement + code[pos + 1:]
    assert not uscc.is_valid(mutated)


@given(st.text())
def test_normalize_idempotent(text):
    once = uscc.normalize(text)
    assert uscc.normalize(once) == once


@given(st.text())
def test_check_never_raises(text):
    result = uscc.check(text)
    assert result.valid == (result.errors == ())


@given(st.text(uscc.ALPHABET, min_size=18, max_size=18))
def test_check_agrees_with_both_check_characters(code):
    result = uscc.check(code)
    assert result.valid == (code[2:8].isdigit() and code[17] == uscc.check_digit(code[:17]))
    if result.valid:
        assert result.org_code_ok == (code[16] == uscc.org_check_digit(code[8:16]))


@given(valid_codes, alphabet_char)
def test_failing_org_check_only_warns(code, replacement):
    if replacement in (code[16], uscc.org_check_digit(code[8:16])):
        return
    first17 = code[:16] + replacement
    result = uscc.check(first17 + uscc.check_digit(first17))
    assert result.valid and not result.org_code_ok
    assert [w.code for w in result.warnings] == ["uscc.org_code_check"]

"""Unified social credit code (统一社会信用代码) per GB 32100-2015.

Layout of the 18 characters (GB 32100-2015 §4):

* pos 1      registration-management department code (登记管理部门码)
* pos 2      entity-type code (机构类别码)
* pos 3–8    administrative division code (登记管理机关行政区划码, 6 digits)
* pos 9–17   organisation code (主体标识码) per GB 11714-1997: 8 body chars
             plus 1 check char (0–9 or X)
* pos 18     GB 32100 check character (校验码), ISO 7064-style mod 31

All characters come from the 31-character set ``0–9 A–H J–N P–R T U W–Y``;
I, O, Z, S and V are excluded because they are easily confused with 1, 0, 2,
5 and U.

We do not use python-stdnum's ``stdnum.cn.uscc``: it rejects codes whose
first character is a letter (the ``N`` agriculture, ``Y`` other and ``A``
military departments are legal and do occur) and it skips the embedded
GB 11714 organisation-code check entirely.

A failing GB 11714 check is only a *warning*: codes from the 2015–2016
pilot period exist in the wild whose organisation part fails it, yet they
are the legal identity of the entity; they must be stored, flagged visibly.

Pure module: stdlib only, nothing executed at import time beyond constants.
"""

from __future__ import annotations

import random
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from operator import mul

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_VALUE = {c: i for i, c in enumerate(ALPHABET)}
_VALUE_OF = _VALUE.__getitem__
# GB 11714 character values (digits as themselves, A=10 … Z=35), looked up instead of computed per character.
_ORG_VALUE_OF = {c: int(c, 36) for c in "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"}.__getitem__
# GB 32100-2015 §5: weight of position i is 3^(i-1) mod 31.
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
# GB 11714-1997 §5 weights for the 8 organisation-code body characters.
ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)
LENGTH = 18

_ORG_BODY = re.compile(r"[0-9A-Z]{8}")
_DIVISION = re.compile(r"[0-9]{6}")
_CANONICAL = re.compile(f"[{ALPHABET}]{{{LENGTH}}}")
# Separators people type or paste: ASCII and full-width (NFKC folds the
# latter to the former, U+3000 included), dots, slashes, middle dots.
_SEPARATOR_CHARS = frozenset(" -_./\\·・")
_SEPARATOR_CATEGORIES = ("Z", "Pd", "Cc", "Cf")
# Only O and I are mapped: each has exactly one digit look-alike and GB 32100
# excluded them for that very reason, so the intent is unambiguous. Z, S and V
# could stand for 2/7, 5/8 or U/Y; guessing would fabricate a different code,
# so they are left for check() to reject.
_LOOKALIKES = str.maketrans({"O": "0", "I": "1"})
_MAX_PASSES = 4


@dataclass(frozen=True)
class Problem:
    """One finding about a code: stable machine ``code`` plus zh/en text."""

    code: str
    zh: str
    en: str


@dataclass(frozen=True)
class UsccCheck:
    """Result of :func:`check`.

    Invariants: ``valid`` is True iff ``errors`` is empty; ``org_code_ok`` is
    False whenever the code is too malformed to locate the organisation part.
    """

    code: str
    valid: bool
    org_code_ok: bool
    errors: tuple[Problem, ...]
    warnings: tuple[Problem, ...]


def _is_separator(ch: str) -> bool:
    return ch in _SEPARATOR_CHARS or unicodedata.category(ch).startswith(_SEPARATOR_CATEGORIES)


def _one_pass(text: str) -> str:
    folded = unicodedata.normalize("NFKC", text)
    kept = "".join(ch for ch in folded if not _is_separator(ch))
    return unicodedata.normalize("NFKC", kept.upper()).translate(_LOOKALIKES)


def normalize(text: str) -> str:
    """Return ``text`` in canonical USCC form. Never raises.

    Full-width → half-width (NFKC), separators removed (spaces incl. U+3000,
    hyphens, dots, slashes, zero-width and control chars), upper-cased, then
    O→0 and I→1. Idempotent: the pass is repeated until stable because NFKC
    and case mapping interact for a few compatibility characters.
    """
    if len(text) == LENGTH and _CANONICAL.fullmatch(text):
        return text  # already canonical: the common case in bulk imports, ~20x cheaper than the passes below
    current = text
    for _ in range(_MAX_PASSES):
        nxt = _one_pass(current)
        if nxt == current:
            break
        current = nxt
    return current


def _weighted(chars: str, weights: tuple[int, ...], value: Callable[[str], int]) -> int:
    # Callers pass as many characters as weights; map/mul keeps the loop in C (a million-row import calls this
    # twice a row).
    return sum(map(mul, map(value, chars), weights))


def check_digit(first17: str) -> str:
    """GB 32100-2015 check character for the first 17 characters.

    Returns ``ALPHABET[(31 - Σ value·weight mod 31) mod 31]``.
    Raises ValueError unless ``first17`` is 17 characters of ``ALPHABET``.
    """
    if len(first17) != LENGTH - 1 or any(c not in _VALUE for c in first17):
        raise ValueError(f"need 17 characters from {ALPHABET!r}, got {first17!r}")
    return _check_char(first17)


def _check_char(first17: str) -> str:
    return ALPHABET[(31 - _weighted(first17, USCC_WEIGHTS, _VALUE_OF) % 31) % 31]


def org_check_digit(body8: str) -> str:
    """GB 11714-1997 check character for an 8-character organisation-code body.

    Returns ``11 - (Σ value·weight mod 11)`` as a digit, with 10 → ``X`` and
    11 → ``0``. Raises ValueError unless ``body8`` matches ``[0-9A-Z]{8}``.
    """
    if not _ORG_BODY.fullmatch(body8):
        raise ValueError(f"need 8 characters 0-9/A-Z, got {body8!r}")
    return _org_check_char(body8)


def _org_check_char(body8: str) -> str:
    return "0123456789X0"[11 - _weighted(body8, ORG_WEIGHTS, _ORG_VALUE_OF) % 11]


def _length_problem(n: int) -> Problem:
    return Problem(
        "uscc.length",
        f"统一社会信用代码应为 18 位,实际为 {n} 位",
        f"USCC must be 18 characters long; got {n}",
    )


def _charset_problem(bad: str) -> Problem:
    return Problem(
        "uscc.charset",
        f"统一社会信用代码含有不允许的字符:{bad}(不使用 I、O、Z、S、V)",
        f"USCC contains characters outside the GB 32100 set: {bad} (I, O, Z, S, V are not used)",
    )


def _structure_errors(code: str) -> list[Problem]:
    errors: list[Problem] = []
    if len(code) != LENGTH:
        errors.append(_length_problem(len(code)))
    bad = "".join(dict.fromkeys(c for c in code if c not in _VALUE))
    if bad:
        errors.append(_charset_problem(bad))
    return errors


def _division_errors(code: str) -> list[Problem]:
    if _DIVISION.fullmatch(code[2:8]):
        return []
    return [Problem(
        "uscc.division",
        "统一社会信用代码第 3–8 位(行政区划码)应为 6 位数字",
        "USCC positions 3–8 (administrative division code) must be 6 digits",
    )]


def _check_digit_errors(code: str) -> list[Problem]:
    expected = check_digit(code[:17])
    if code[17] == expected:
        return []
    return [Problem(
        "uscc.check_digit",
        f"统一社会信用代码校验位错误,应为 {expected}",
        f"USCC check character is wrong; expected {expected}",
    )]


def _org_warnings(code: str) -> list[Problem]:
    expected = org_check_digit(code[8:16])
    if code[16] == expected:
        return []
    return [Problem(
        "uscc.org_code_check",
        f"内嵌组织机构代码(第 9–17 位)校验位不符合 GB 11714,应为 {expected};"
        "可能是试点期代码,请核实后保存",
        f"Embedded organisation code (positions 9–17) fails the GB 11714 check; "
        f"expected {expected}. It may be a pilot-period code: verify before relying on it",
    )]


def check(text: str) -> UsccCheck:
    """Normalize ``text`` and validate it against GB 32100-2015. Never raises.

    Errors (make ``valid`` False): ``uscc.length``, ``uscc.charset``,
    ``uscc.division``, ``uscc.check_digit``. Warning only:
    ``uscc.org_code_check`` (embedded GB 11714 check fails).
    """
    code = normalize(text)
    if len(code) == LENGTH and _CANONICAL.fullmatch(code) and code[2:8].isdigit() \
            and code[17] == _check_char(code[:17]) and code[16] == _org_check_char(code[8:16]):
        return UsccCheck(code, True, True, (), ())  # the common case, decided without building any problem
    errors = _structure_errors(code)
    if errors:
        return UsccCheck(code, False, False, tuple(errors), ())
    errors = _division_errors(code) + _check_digit_errors(code)
    warnings = _org_warnings(code)
    return UsccCheck(code, not errors, not warnings, tuple(errors), tuple(warnings))


def is_valid(text: str) -> bool:
    """True iff :func:`check` reports no errors (warnings are allowed)."""
    return check(text).valid


def make(department: str, entity_type: str, division: str, org_body8: str) -> str:
    """Build a fully valid code, computing both check characters.

    ``department`` and ``entity_type`` are single ``ALPHABET`` characters,
    ``division`` 6 digits, ``org_body8`` 8 ``ALPHABET`` characters (the body
    must also fit the USCC set). Raises ValueError on any other input.
    Postcondition: ``check(result)`` is valid, with ``org_code_ok`` True.
    """
    for name, part in (("department", department), ("entity_type", entity_type)):
        if len(part) != 1 or part not in _VALUE:
            raise ValueError(f"{name} must be one character of {ALPHABET!r}, got {part!r}")
    if not _DIVISION.fullmatch(division):
        raise ValueError(f"division must be 6 digits, got {division!r}")
    if len(org_body8) != 8 or any(c not in _VALUE for c in org_body8):
        raise ValueError(f"org_body8 must be 8 characters of {ALPHABET!r}, got {org_body8!r}")
    first17 = department + entity_type + division + org_body8 + org_check_digit(org_body8)
    return first17 + check_digit(first17)


def random_uscc(rng: random.Random, division: str, department: str = "9",
                entity_type: str = "1") -> str:
    """A valid code whose organisation body is drawn from ``rng``.

    Deterministic for a given rng state; raises ValueError as :func:`make`.
    """
    body = "".join(rng.choice(ALPHABET) for _ in range(8))
    return make(department, entity_type, division, body)

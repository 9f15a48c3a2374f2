"""Certificate numbers: normalisation, recognised formats (CCC, CNCA management systems, organic products) and
their check against the certificate type. Pure, standard library only; re-exported by ``certificates.domain``.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

# ---------------------------------------------------------------------------------------------------- numbers
#
# CCC (中国强制性产品认证), 16 digits: issuing year (4) + CB code (2, 01 = CQC) + product category (4, e.g. 0901,
# 09 = information-technology equipment, 01 = microcomputers) + serial (6). Sources: the explanation of CQC's
# numbering repeated on many public pages (e.g. edu.xhlnet.com/zhiye/15798.html, shumaav.com/shumabaike/znsb/
# 53555.html). Not confirmed: an official list of CB codes and of category codes, so neither is checked beyond
# being digits; a claim that some early numbers had 12 digits (uekitaka-mc.com) could not be confirmed either.
# The year must be 2002 or later: the CCC system began in 2002 (AQSIQ Order 5, 2001).
#
# Management-system certificates (CNCA reporting format), e.g. 03410Q10286R0S and CQC's xxxxxQxxxxxxRxx/xxxx:
# CB code (3 digits: the serial of the CB's CNCA-R approval number, 001 = CQC) + year of initial or latest
# recertification (2) + system letter (Q = quality) + serial (5 or 6) + R + certification cycle (0 = initial, 1 =
# first recertification …) + size (S/M/L, by people covered) + optional /branch. Sources: m.szldx.cn/isos/202601/
# zs_16719.html, www.sdzyrz.com/news/83.html (CB-written explanations, not the CNCA rule itself). Only Q is
# confirmed by those pages; E, S, F, H, I, EN, IT below follow common practice and are unconfirmed.
#
# Organic products (CNCA unified numbering, assigned by the CNCA food and agricultural products system): CB code
# (3 digits, or F + 2 digits for foreign-invested CBs) + OP + year (2) + serial (5) + optional -sub-certificate;
# the number is kept on recertification. Source: ask.21food.cn/mip/question/detail400518.html (quoting the rule).

MAX_NUMBER_LENGTH = 64
CCC_FIRST_YEAR = 2002
MS_TYPE_LETTERS = {"Q": "QMS", "E": "EMS", "S": "OHSMS", "F": "FSMS", "H": "HACCP", "I": "ISMS", "EN": "EnMS",
                   "IT": "ITSMS"}
_D = "[0-9OI]"  # a digit slot before normalisation: O and I are read as 0 and 1 only here
_TYPES = "|".join(sorted(MS_TYPE_LETTERS, key=len, reverse=True))
_PATTERNS = {
    "ccc": re.compile(rf"(?P<year>{_D}{{4}})(?P<cb_code>{_D}{{2}})(?P<category>{_D}{{4}})(?P<serial>{_D}{{6}})"),
    "cnca_ms": re.compile(rf"(?P<cb_code>{_D}{{3}})(?P<year>{_D}{{2}})(?P<type_letters>{_TYPES})"
                          rf"(?P<serial>{_D}{{5,6}})R(?P<cycle>{_D})(?P<size>[SML])?(?:/(?P<branch>{_D}{{1,4}}))?"),
    "organic": re.compile(rf"(?P<cb_code>F{_D}{{2}}|{_D}{{3}})OP(?P<year>{_D}{{2}})(?P<serial>{_D}{{5}})"
                          rf"(?:-(?P<sub>{_D}{{1,3}}))?"),
}
_DIGIT_GROUPS = {"year", "cb_code", "category", "serial", "cycle", "branch", "sub"}
_TO_DIGIT = str.maketrans("OI", "01")


@dataclass(frozen=True)
class Problem:
    """A finding about a number; ``severity`` is ``error`` (refuse) or ``warning`` (accept, show)."""

    code: str
    severity: str
    zh: str
    en: str


@dataclass(frozen=True)
class ParsedNumber:
    """A normalised number, its recognised ``kind`` (ccc, cnca_ms, organic, other; invalid when refused), the
    parts of a recognised format and the problems found."""

    normalized: str
    kind: str
    parts: dict[str, str] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not any(p.severity == "error" for p in self.problems)


def _clean(text: str) -> str:
    s = unicodedata.normalize("NFKC", text).upper()
    s = "".join("-" if unicodedata.category(ch) == "Pd" else ch for ch in s
                if not (ch.isspace() or unicodedata.category(ch) == "Cf"))
    return unicodedata.normalize("NFKC", s)


def _digits_fixed(s: str) -> str:
    for kind, pattern in _PATTERNS.items():
        m = pattern.fullmatch(s)
        if m is None:
            continue
        fixed = "".join(_fix_group(s, m, i) for i in range(len(s)))
        if kind != "ccc" or int(fixed[:4]) >= CCC_FIRST_YEAR:
            return fixed
    return s


def _fix_group(s: str, m: re.Match[str], i: int) -> str:
    for name in _DIGIT_GROUPS & set(m.groupdict()):
        if m.start(name) <= i < m.end(name):
            return s[i].translate(_TO_DIGIT)
    return s[i]


def normalize_number(raw: str) -> str:
    """A certificate number as stored and looked up: NFKC (full-width → half-width), upper case, spaces and
    invisible characters (Unicode Cf) removed, dashes unified to "-"; then, only if the result fits a recognised
    format (CCC, CNCA management system, organic) when O is read as 0 and I as 1 in that format's digit slots,
    those letters are replaced there — never elsewhere. Idempotent. O(len)."""
    s = raw
    for _ in range(4):  # NFKC, case mapping and removal can each expose work for another; settle on a fixed point
        cleaned = _clean(s)
        if cleaned == s:
            break
        s = cleaned
    return _digits_fixed(s)


def _rejections(norm: str) -> list[Problem]:
    if not norm:
        return [Problem("certs.number_empty", "error", "证书编号为空", "the certificate number is empty")]
    if len(norm) > MAX_NUMBER_LENGTH:
        return [Problem("certs.number_too_long", "error", f"证书编号超过 {MAX_NUMBER_LENGTH} 个字符",
                         f"the certificate number is longer than {MAX_NUMBER_LENGTH} characters")]
    if any(unicodedata.category(ch) in ("Cc", "Cs", "Co", "Cn") for ch in norm):
        return [Problem("certs.number_control", "error", "证书编号含有控制字符或无效字符",
                         "the certificate number contains control or invalid characters")]
    return []


def _ccc_near_miss(norm: str, year_now: int | None) -> list[Problem]:
    if not norm.isdigit() or not 15 <= len(norm) <= 17:
        return []
    if len(norm) != 16:
        return [Problem("certs.ccc_length", "warning", f"全数字编号有 {len(norm)} 位,CCC 证书编号应为 16 位",
                         f"an all-digit number of {len(norm)} digits: CCC numbers have 16")]
    year = int(norm[:4])
    if year < CCC_FIRST_YEAR or (year_now is not None and year > year_now):
        return [Problem("certs.ccc_year", "warning", f"前四位年份 {year} 不是有效的 CCC 发证年份",
                         f"the first four digits, {year}, are not a plausible CCC issuing year")]
    return []


def parse_number(raw: str, *, year_now: int | None = None) -> ParsedNumber:
    """Normalise (:func:`normalize_number`) and recognise a certificate number; never raises on any text.

    Refused (kind ``invalid``, an error problem) only when empty, longer than 64 characters, or holding control
    characters. A CCC number is 16 digits with a year from 2002 to ``year_now`` (when given); 15/17 digits or a bad
    year make it ``other`` with a warning. Anything unfamiliar is ``other`` and accepted.
    """
    norm = normalize_number(raw)
    rejected = _rejections(norm)
    if rejected:
        return ParsedNumber(norm, "invalid", {}, rejected)
    near = _ccc_near_miss(norm, year_now)
    for kind, pattern in _PATTERNS.items():
        m = pattern.fullmatch(norm)
        if m is not None and not (kind == "ccc" and near):
            return ParsedNumber(norm, kind, _parts(kind, m), [])
    return ParsedNumber(norm, "other", {}, near)


def _parts(kind: str, m: re.Match[str]) -> dict[str, str]:
    parts = {k: v for k, v in m.groupdict().items() if v is not None}
    if kind == "ccc":
        parts["category_major"] = parts["category"][:2]
    else:
        parts["year"] = "20" + parts["year"]
    if kind == "cnca_ms":
        parts["type_code"] = MS_TYPE_LETTERS[parts["type_letters"]]
    return parts


def validate_for_type(parsed: ParsedNumber, type_code: str) -> list[Problem]:
    """Problems of a number for a certificate of ``type_code``: the parse's own problems; an error when a CCC
    certificate's number is not a valid CCC number (issue 4 point 2); warnings only otherwise (a CCC-format number
    on another type, a management-system letter or organic format that does not match the type)."""
    found = list(parsed.problems)
    if type_code == "CCC" and parsed.kind != "ccc":
        found.append(Problem("certs.ccc_number", "error", "CCC 证书编号应为 16 位数字(年份+机构+产品类别+序号)",
                              "a CCC certificate number has 16 digits (year, CB, product category, serial)"))
    elif type_code != "CCC" and parsed.kind == "ccc":
        found.append(Problem("certs.ccc_format", "warning", "非 CCC 证书使用了 CCC 格式的编号",
                              "a CCC-format number on a certificate that is not CCC"))
    elif parsed.kind == "cnca_ms" and parsed.parts.get("type_code") != type_code:
        found.append(Problem("certs.type_letter", "warning",
                              f"编号中的体系代码 {parsed.parts['type_letters']} 与认证类型 {type_code} 不符",
                              f"the number's system letter {parsed.parts['type_letters']} does not match {type_code}"))
    elif (parsed.kind == "organic") != (type_code == "ORGANIC") and parsed.kind != "invalid":
        found.append(Problem("certs.organic_format", "warning", "编号格式与有机产品认证类型不一致",
                              "the number's organic-product format and the type disagree"))
    return found

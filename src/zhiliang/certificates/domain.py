"""Pure rules of certificates: the status lifecycle, reason codes, public verdicts and certificate numbers.

Standard library only; no I/O, no clock (every date comes in as an argument), nothing at import time.

Sources (read through public copies found in this session; where only a secondary copy was seen, it says so):

* [Mark] 《认证证书和认证标志管理办法》 (AQSIQ Order 63, 2004; amended by AQSIQ Order 162, 2015, and in 2022):
  art. 11 — a CB tracks how its certificates are used and, where the holder no longer meets the requirements,
  suspends the certificate up to withdrawing it, and publishes the decision. The article list of the current text
  was seen; the wording of its 2015 clauses on 暂停/撤销/注销 was not, so reasons do not cite its article numbers.
* [CCC] 《强制性产品认证管理规定》 (AQSIQ Order 117, 2009) and CNCA Announcement 2008 No. 19
  《强制性产品认证证书注销、暂停、撤销实施规则》: CCC cases for 注销 (expiry without renewal, product no longer
  made, product type banned, holder's request, rules changed and not met), 暂停 (surveillance failure not needing
  immediate withdrawal, misuse of certificate or mark, rules changed, holder's request, e.g. seasonal production)
  and 撤销 (defect causing an accident, surveillance requiring immediate withdrawal, no correction during suspension,
  certificate obtained by fraud or bribery). Seen through CB and news copies; article numbers not confirmed.
* [QMS] CNCA 《质量管理体系认证规则》 (CNCA-N-001): §7.2 suspension cases, suspension at most 6 months; §7.3.1
  withdrawal cases (1)–(10), several of them without a prior suspension. Seen through CBs' public documents.
* [17021] GB/T 27021.1-2017 / ISO/IEC 17021-1:2015 §9.6.5: suspension on persistent or serious nonconformity, on
  refusing audits at the required frequency, and on the client's own request.

Decision: a valid certificate may be withdrawn directly (no suspension first) because [QMS] §7.3.1 items (1)–(6),
(8), (9) and the [CCC] fraud and accident cases do exactly that.
"""

from __future__ import annotations

import calendar
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

__all__ = [
    "Action", "CertRuleError", "IllegalTransition", "InvalidDates", "InvalidReason", "MAX_SUSPENSION_MONTHS",
    "MAX_NUMBER_LENGTH", "MS_TYPE_LETTERS", "ParsedNumber", "Problem",
    "REASONS", "Reason", "Status", "SuspensionOverdue", "TRANSITIONS", "Transition",
    "Verdict", "action_to", "add_months", "apply", "effective_status", "holder_matches", "normalize_holder",
    "normalize_number", "parse_number", "suspension_overdue", "validate_for_type", "verdict",
]

MAX_SUSPENSION_MONTHS = 6  # [QMS] §7.2; the CB's rules may set less (the parameter of apply()).

# The number rules live in their own module (this one would pass the house limit of 500 lines); callers keep
# reaching them as ``domain.parse_number`` and so on.
from zhiliang.certificates.numbers import (  # noqa: E402
    MAX_NUMBER_LENGTH,
    MS_TYPE_LETTERS,
    ParsedNumber,
    Problem,
    normalize_number,
    parse_number,
    validate_for_type,
)


class Status(StrEnum):
    """Certificate status per CNCA practice (有效/暂停/撤销/注销/过期)."""

    VALID = "valid"
    SUSPENDED = "suspended"
    WITHDRAWN = "withdrawn"
    CANCELLED = "cancelled"
    EXPIRED = "expired"

    @property
    def zh(self) -> str:
        return _STATUS_ZH[self]

    @property
    def en(self) -> str:
        return self.value

    @property
    def final(self) -> bool:
        """Withdrawn, cancelled and expired certificates never change again (re-certification issues anew)."""
        return self in (Status.WITHDRAWN, Status.CANCELLED, Status.EXPIRED)


_STATUS_ZH = {Status.VALID: "有效", Status.SUSPENDED: "暂停", Status.WITHDRAWN: "撤销", Status.CANCELLED: "注销",
              Status.EXPIRED: "过期"}
_STATUS_ADJ_ZH = {Status.VALID: "有效", Status.SUSPENDED: "已暂停", Status.WITHDRAWN: "已撤销",
                  Status.CANCELLED: "已注销", Status.EXPIRED: "已过期"}


class Action(StrEnum):
    """What a CB (or the expiry job) does to a certificate. ``renew``: recertification decided before expiry; the
    certificate stays valid with a later expiry date (the new one is given to :func:`apply`)."""

    SUSPEND = "suspend"
    RESTORE = "restore"
    WITHDRAW = "withdraw"
    CANCEL = "cancel"
    EXPIRE = "expire"
    RENEW = "renew"

    @property
    def zh(self) -> str:
        return _ACTION_ZH[self]

    @property
    def en(self) -> str:
        return self.value


_ACTION_ZH = {Action.SUSPEND: "暂停", Action.RESTORE: "恢复", Action.WITHDRAW: "撤销", Action.CANCEL: "注销",
              Action.EXPIRE: "过期", Action.RENEW: "换证"}

TRANSITIONS: dict[tuple[Status, Action], Status] = {
    (Status.VALID, Action.SUSPEND): Status.SUSPENDED,
    (Status.VALID, Action.WITHDRAW): Status.WITHDRAWN,
    (Status.VALID, Action.CANCEL): Status.CANCELLED,
    (Status.VALID, Action.EXPIRE): Status.EXPIRED,
    (Status.VALID, Action.RENEW): Status.VALID,
    (Status.SUSPENDED, Action.RESTORE): Status.VALID,
    (Status.SUSPENDED, Action.WITHDRAW): Status.WITHDRAWN,
    (Status.SUSPENDED, Action.CANCEL): Status.CANCELLED,
    (Status.SUSPENDED, Action.EXPIRE): Status.EXPIRED,
}
"""The whole state machine: (status, action) → new status. Anything not here is an :class:`IllegalTransition`."""


@dataclass(frozen=True)
class Reason:
    """A reason code's text and where it comes from; ``only_from_suspended`` limits it to suspended certificates."""

    zh: str
    en: str
    source: str
    only_from_suspended: bool = False


# Codes are ours: CNCA's reporting system has its own code list, which could not be found in this session. Each
# code's number follows the order of the clause it cites; 99 is "other case required by law or the rules".
REASONS: dict[Action, dict[str, Reason]] = {
    Action.SUSPEND: {
        "S01": Reason("监督结果不符合认证要求,但无需立即撤销", "surveillance found nonconformity not needing "
                      "immediate withdrawal", "[CCC]; [17021] §9.6.5; [QMS] §7.2"),
        "S02": Reason("未按规定接受监督审核或再认证审核", "surveillance or recertification audit not accepted "
                      "when due", "[17021] §9.6.5; [QMS] §7.2"),
        "S03": Reason("未按规定使用认证证书和认证标志", "certificate or mark not used as the rules require",
                      "[CCC]; [QMS] §7.2"),
        "S04": Reason("认证依据或认证规则变更,规定期限内未满足变更要求", "standard or certification rules changed "
                      "and not met in time", "[CCC]"),
        "S05": Reason("获证组织申请暂停", "suspension requested by the holder", "[CCC]; [17021] §9.6.5"),
        "S06": Reason("被有关执法监管部门责令停业整顿", "ordered by a regulator to stop business for correction",
                      "[QMS] §7.2"),
        "S07": Reason("相关行政许可或资质证书过期失效,重新申请尚未获批", "a required licence lapsed and its "
                      "renewal is pending", "[QMS] §7.2"),
        "S08": Reason("未履行认证合同约定的义务(如未缴费)", "certification contract obligations not met "
                      "(e.g. fees unpaid)", "[QMS] §7.2"),
        "S99": Reason("其他依法应当暂停的情形", "other case requiring suspension", "[Mark] art. 11; [CCC]"),
    },
    Action.RESTORE: {
        "R01": Reason("导致暂停的问题已解决并经验证", "the cause of suspension was resolved and verified",
                      "[17021] §9.6.5; [QMS] §7.2", True),
    },
    Action.WITHDRAW: {
        "W01": Reason("暂停期满,导致暂停的问题未解决或整改后仍不合格", "suspension ended without the cause "
                      "being corrected", "[QMS] §7.3.1(7); [CCC]", True),
        "W02": Reason("法律地位证明文件被注销或撤销", "legal-entity registration cancelled or revoked",
                      "[QMS] §7.3.1(1)"),
        "W03": Reason("被列入严重失信企业名单", "listed as a seriously dishonest enterprise", "[QMS] §7.3.1(2)"),
        "W04": Reason("拒绝配合监督检查,或提供虚假材料或信息", "refused supervision or gave false information",
                      "[QMS] §7.3.1(3)"),
        "W05": Reason("拒绝接受国家产品质量监督抽查", "refused state product-quality sampling", "[QMS] §7.3.1(4)"),
        "W06": Reason("发生重大质量安全事故或获证产品缺陷导致事故", "major quality or safety accident, or a "
                      "defect of the certified product caused an accident", "[QMS] §7.3.1(5); [CCC]"),
        "W07": Reason("监督结果证明不符合认证要求,需立即撤销", "surveillance shows the certificate must be "
                      "withdrawn at once", "[CCC]"),
        "W08": Reason("以欺骗、贿赂等不正当手段获得认证证书", "certificate obtained by fraud, bribery or other "
                      "improper means", "[CCC]"),
        "W09": Reason("管理体系未运行或已不具备运行条件", "the management system is not run or can no longer "
                      "be run", "[QMS] §7.3.1(8)"),
        "W10": Reason("错误引用或宣传认证信息,造成严重影响或逾期未纠正", "certification misrepresented with "
                      "serious effect, or not corrected in time", "[QMS] §7.3.1(9)"),
        "W99": Reason("其他依法应当撤销的情形", "other case requiring withdrawal", "[QMS] §7.3.1(10); [CCC]"),
    },
    Action.CANCEL: {
        "C01": Reason("认证委托人申请注销", "cancellation requested by the holder", "[CCC]"),
        "C02": Reason("获证产品不再生产", "the certified product is no longer made", "[CCC]"),
        "C03": Reason("获证产品型号列入国家明令淘汰或禁止生产目录", "the product type was banned or phased out",
                      "[CCC]"),
        "C04": Reason("认证依据或规则变更,持证人不再保持认证", "rules changed and the holder does not keep the "
                      "certification", "[CCC]"),
        "C05": Reason("获证组织破产、解散或注销", "the holder went bankrupt, was dissolved or deregistered",
                      "[CCC] (CB implementation rules)"),
        "C99": Reason("其他依法应当注销的情形", "other case requiring cancellation", "[CCC]"),
    },
    Action.EXPIRE: {
        "E01": Reason("有效期届满,未申请延续", "expiry date passed without renewal", "[CCC]"),
        "E02": Reason("有效期届满,再认证未在到期前完成", "expiry date passed before recertification was "
                      "completed", "[QMS] (recertification before expiry)"),
    },
    Action.RENEW: {
        "N01": Reason("再认证通过,换发证书", "recertified; certificate reissued", "[QMS]; [17021] §9.6.3"),
    },
}


class CertRuleError(Exception):
    """A refused change, with messages for both languages (kernel.errors renders them as problem+json).

    Deliberately not a ValueError: callers catch ValueError for an unknown action name, and must not confuse the two.
    """

    code = "certs.rule"

    def __init__(self, zh: str, en: str) -> None:
        super().__init__(f"{zh} / {en}")
        self.zh, self.en = zh, en


class IllegalTransition(CertRuleError):
    """The action is not allowed from this status (HTTP 409)."""

    code = "certs.transition"


class SuspensionOverdue(IllegalTransition):
    """Restoring after the maximum suspension: [QMS] §7.3.1(7) leaves only withdrawal."""

    code = "certs.suspension_overdue"


class InvalidReason(CertRuleError):
    """The reason code is missing or does not belong to the action (HTTP 422)."""

    code = "certs.reason"


class InvalidDates(CertRuleError):
    """A date given with the action is impossible (e.g. a renewal that does not move the expiry date later)."""

    code = "certs.dates"


@dataclass(frozen=True)
class Transition:
    """The outcome of :func:`apply`: the new status and the dates the certificate carries afterwards.

    ``suspended_on`` is set only while suspended; ``restore_by`` is the last day a suspension may be lifted.
    """

    old_status: Status
    action: Action
    new_status: Status
    reason_code: str
    on: date
    expiry_date: date
    suspended_on: date | None = None
    restore_by: date | None = None


def add_months(day: date, months: int) -> date:
    """``day`` plus ``months`` calendar months, clamped to the month's end (2024-08-31 + 6 → 2025-02-28)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    return date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def suspension_overdue(suspended_on: date, today: date, months: int = MAX_SUSPENSION_MONTHS) -> bool:
    """True once ``today`` is after the last day of a suspension of at most ``months`` months ([QMS] §7.2).

    Suspended 2024-08-31 with 6 months: still in time on 2025-02-28, overdue from 2025-03-01.
    """
    return today > add_months(suspended_on, months)


def effective_status(status: Status | str, expiry_date: date, today: date) -> Status:
    """The status to show: a valid or suspended certificate whose expiry date has passed is expired, whether or not
    the expiry job has run. The expiry date is the last day of validity ("有效期至"), so the certificate is still
    valid on it and expired from the next day."""
    status = Status(status)
    if status in (Status.VALID, Status.SUSPENDED) and today > expiry_date:
        return Status.EXPIRED
    return status


def _illegal(status: Status, action: Action) -> IllegalTransition:
    if status.final:
        return IllegalTransition(f"证书{_STATUS_ADJ_ZH[status]},不能{action.zh}",
                                 f"a {status.en} certificate cannot be {_ACTION_EN_PP[action]}")
    return IllegalTransition(f"{_STATUS_ADJ_ZH[status]}的证书不能{action.zh}",
                             f"a {status.en} certificate cannot be {_ACTION_EN_PP[action]}")


_ACTION_EN_PP = {Action.SUSPEND: "suspended", Action.RESTORE: "restored", Action.WITHDRAW: "withdrawn",
                 Action.CANCEL: "cancelled", Action.EXPIRE: "expired", Action.RENEW: "renewed"}


def _check_reason(status: Status, action: Action, reason_code: str | None) -> None:
    reason = REASONS[action].get(reason_code or "")
    if reason is None:
        known = ", ".join(REASONS[action])
        raise InvalidReason(f"原因代码 {reason_code!r} 不适用于{action.zh}(可用:{known})",
                            f"reason code {reason_code!r} does not fit {action.en} (use one of: {known})")
    if reason.only_from_suspended and status is not Status.SUSPENDED:
        raise InvalidReason(f"原因代码 {reason_code} 仅适用于已暂停的证书",
                            f"reason code {reason_code} applies only to a suspended certificate")


def apply(status: Status | str, action: Action | str, *, reason_code: str | None, on: date, expiry_date: date,
          suspended_on: date | None = None, max_suspension_months: int = MAX_SUSPENSION_MONTHS,
          new_expiry_date: date | None = None) -> Transition:
    """Apply ``action`` on day ``on`` to a certificate stored with ``status``; return the :class:`Transition`.

    The table is :data:`TRANSITIONS`, looked up with the *effective* status on ``on`` (so a certificate past its
    expiry date can only be expired, even if the stored status still says valid). ``expire`` is allowed from the
    expiry date on (``on`` of an expiry is conventionally the expiry date itself). ``restore`` is refused with
    :class:`SuspensionOverdue` once the suspension (from ``suspended_on``) has outlasted ``max_suspension_months``
    ([QMS] §7.2, §7.3.1(7)). ``renew`` needs ``new_expiry_date`` later than ``expiry_date``.

    Raises :class:`IllegalTransition`, :class:`InvalidReason`, :class:`InvalidDates`. Pure; O(1).
    """
    status, action = Status(status), Action(action)
    current = effective_status(status, expiry_date, on) if action is not Action.EXPIRE else status
    new = TRANSITIONS.get((current, action))
    if new is None:
        raise _illegal(current, action)
    _check_reason(current, action, reason_code)
    _check_dates(action, on, expiry_date, suspended_on, max_suspension_months, new_expiry_date)
    after_expiry = new_expiry_date if action is Action.RENEW else expiry_date
    suspended = on if new is Status.SUSPENDED else None
    restore_by = add_months(on, max_suspension_months) if suspended else None
    return Transition(current, action, new, str(reason_code), on, after_expiry, suspended, restore_by)  # type: ignore[arg-type]


def _check_dates(action: Action, on: date, expiry_date: date, suspended_on: date | None, months: int,
                 new_expiry_date: date | None) -> None:
    if action is Action.EXPIRE and on < expiry_date:
        raise IllegalTransition(f"证书有效期至 {expiry_date},尚未到期,不能过期",
                                f"the certificate is valid until {expiry_date} and cannot be expired yet")
    if action is Action.RESTORE and suspended_on is not None and suspension_overdue(suspended_on, on, months):
        raise SuspensionOverdue(f"证书自 {suspended_on} 暂停已超过 {months} 个月,不能恢复,只能撤销",
                                f"suspended since {suspended_on}, more than {months} months: the certificate "
                                "cannot be restored, only withdrawn")
    if action is Action.RENEW and (new_expiry_date is None or new_expiry_date <= expiry_date):
        raise InvalidDates(f"换证须给出晚于 {expiry_date} 的新有效期",
                           f"a renewal needs a new expiry date after {expiry_date}")


def action_to(old: Status | str, new: Status | str) -> Action | None:
    """The action that moves ``old`` to ``new`` (for a CB reporting a status instead of an action), or None.

    Same status gives None (nothing to do; a renewal is never inferred from a status alone)."""
    old, new = Status(old), Status(new)
    if old is new:
        return None
    return next((a for (s, a), n in TRANSITIONS.items() if s is old and n is new), None)


# ---------------------------------------------------------------------------------------------------- verdicts


class Verdict(StrEnum):
    """What public verification tells the person asking (issue 4 point 5)."""

    VALID = "valid"
    SUSPENDED = "suspended"
    WITHDRAWN = "withdrawn"
    CANCELLED = "cancelled"
    EXPIRED = "expired"
    UNKNOWN_NUMBER = "unknown_number"
    HOLDER_MISMATCH = "holder_mismatch"

    @property
    def zh(self) -> str:
        return _VERDICT_TEXT[self][0]

    @property
    def en(self) -> str:
        return _VERDICT_TEXT[self][1]

    @property
    def explanation_zh(self) -> str:
        return _VERDICT_TEXT[self][2]

    @property
    def explanation_en(self) -> str:
        return _VERDICT_TEXT[self][3]


_VERDICT_TEXT = {
    Verdict.VALID: ("有效", "valid", "证书有效,可在有效期内使用。", "The certificate is valid until its expiry date."),
    Verdict.SUSPENDED: ("暂停", "suspended", "证书已被认证机构暂停,暂停期间不得使用。",
                        "The certification body has suspended the certificate; it may not be used meanwhile."),
    Verdict.WITHDRAWN: ("撤销", "withdrawn", "证书已被认证机构撤销,不再有效。",
                        "The certification body has withdrawn the certificate; it is no longer valid."),
    Verdict.CANCELLED: ("注销", "cancelled", "证书已注销,不再有效。",
                        "The certificate has been cancelled and is no longer valid."),
    Verdict.EXPIRED: ("过期", "expired", "证书已超过有效期,不再有效。",
                      "The certificate is past its expiry date and no longer valid."),
    Verdict.UNKNOWN_NUMBER: ("查无此证", "unknown number", "未找到该编号的证书,可能是伪造证书或编号有误。",
                             "No certificate has this number: it may be forged or mistyped."),
    Verdict.HOLDER_MISMATCH: ("疑似冒用", "suspected misuse", "证书真实存在,但持有人与所出示的名称不符,疑似冒用。",
                              "The certificate exists but belongs to another holder than the one presented: "
                              "suspected misuse."),
}

_BRACKETS = str.maketrans({"【": "(", "】": ")", "〔": "(", "〕": ")", "[": "(", "]": ")", "{": "(", "}": ")",
                           "<": "(", ">": ")", "〈": "(", "〉": ")", "《": "(", "》": ")"})
_SPACES = re.compile(r"[\s\u200b-\u200f\u2060\ufeff]+")
# Longest first. "X股份有限公司" and "X有限公司" compare equal: a verifier who drops or confuses the company form
# is not presenting another company's certificate, and calling them 疑似冒用 would be the worse mistake.
_FORMS = ("股份有限公司", "有限责任公司", "有限公司", "公司", "COMPANYLIMITED", "CO.,LTD.", "CO.,LTD", "CO.LTD.",
          "CO.LTD", "LTD.", "LTD")


def normalize_holder(text: str) -> str:
    """A holder's name or USCC as compared by :func:`holder_matches`: NFKC (full-width → half-width, so （） are
    ()), every bracket kind as (), spaces and invisible characters dropped, upper case, company form suffix
    (有限公司, 有限责任公司, 股份有限公司, 公司, Co., Ltd. …) dropped, then the brackets themselves dropped, so
    恒达(重庆)科技 equals 恒达重庆科技."""
    s = _SPACES.sub("", unicodedata.normalize("NFKC", text).translate(_BRACKETS).upper())
    s = unicodedata.normalize("NFKC", s)
    for form in _FORMS:
        if s.endswith(form) and len(s) > len(form):
            s = s[: -len(form)]
            break
    return s.replace("(", "").replace(")", "")


def holder_matches(claimed: str, holder_name: str, holder_uscc: str | None, former_names: Iterable[str] = ()) -> bool:
    """True when ``claimed`` (what the verifier typed) names the certified holder: its name as certified, its
    USCC, or one of its former names, each compared after :func:`normalize_holder`. Empty claims match."""
    key = normalize_holder(claimed)
    if not key:
        return True
    candidates = [holder_name, holder_uscc or "", *former_names]
    return any(key == normalize_holder(c) for c in candidates if c)


def verdict(found: bool, status: Status | str | None, expiry_date: date | None, today: date,
            claimed_holder: str | None = None, holder_name: str = "", holder_uscc: str | None = None,
            former_names: Iterable[str] = ()) -> Verdict:
    """The public verdict on a looked-up number.

    Not found → unknown number. A claimed holder that matches neither the certified name, nor the USCC, nor a
    former name → holder mismatch (疑似冒用), whatever the status: presenting someone else's certificate is the
    finding that matters. Otherwise the effective status on ``today`` (an unexpired-looking but past-date
    certificate is expired). ``status``/``expiry_date`` may be None only when not found.
    """
    if not found:
        return Verdict.UNKNOWN_NUMBER
    if claimed_holder and not holder_matches(claimed_holder, holder_name, holder_uscc, former_names):
        return Verdict.HOLDER_MISMATCH
    if status is None or expiry_date is None:
        raise ValueError("a found certificate needs its status and expiry date")
    return Verdict(effective_status(status, expiry_date, today).value)

"""The certificate lifecycle, reason codes, effective status and public verdicts (certificates.domain)."""

from __future__ import annotations

import itertools
from datetime import date, timedelta

import pytest

from zhiliang.certificates import domain as d
from zhiliang.certificates.domain import Action, Status, Verdict

EXPIRY = date(2026, 6, 30)
BEFORE = date(2025, 3, 1)

EXPECTED = {
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


def _reason(status: Status, action: Action) -> str:
    codes = [c for c, r in d.REASONS[action].items() if status is Status.SUSPENDED or not r.only_from_suspended]
    return codes[0] if codes else next(iter(d.REASONS[action]))


def _apply(status: Status, action: Action, **kw: object) -> d.Transition:
    on = EXPIRY if action is Action.EXPIRE else BEFORE
    args = {"reason_code": _reason(status, action), "on": on, "expiry_date": EXPIRY,
            "new_expiry_date": date(2029, 6, 30)} | kw
    return d.apply(status, action, **args)  # type: ignore[arg-type]


def test_the_table_is_what_the_issue_asks() -> None:
    assert d.TRANSITIONS == EXPECTED


@pytest.mark.parametrize(("status", "action"), list(itertools.product(Status, Action)))
def test_every_status_and_action(status: Status, action: Action) -> None:
    if (status, action) in EXPECTED:
        assert _apply(status, action).new_status is EXPECTED[(status, action)]
    else:
        with pytest.raises(d.IllegalTransition) as err:
            _apply(status, action)
        assert status.zh in err.value.zh and action.zh in err.value.zh
        assert status.en in err.value.en and d._ACTION_EN_PP[action] in err.value.en


def test_message_of_a_withdrawn_certificate() -> None:
    with pytest.raises(d.IllegalTransition) as err:
        _apply(Status.WITHDRAWN, Action.SUSPEND)
    assert err.value.zh == "证书已撤销,不能暂停"
    assert err.value.en == "a withdrawn certificate cannot be suspended"


def test_rule_errors_are_not_value_errors() -> None:
    # the service catches ValueError for an unknown action name before these
    assert not issubclass(d.CertRuleError, ValueError)


@pytest.mark.parametrize(("action", "code"), [(a, c) for a in Action for c in d.REASONS[a]])
def test_every_reason_code_is_accepted_for_its_action(action: Action, code: str) -> None:
    reason = d.REASONS[action][code]
    assert reason.zh and reason.en and reason.source
    status = next(s for (s, a) in EXPECTED if a is action and (s is Status.SUSPENDED or not reason.only_from_suspended))
    assert _apply(status, action, reason_code=code).reason_code == code


@pytest.mark.parametrize("action", list(Action))
def test_reason_codes_of_other_actions_and_none_are_refused(action: Action) -> None:
    status = Status.SUSPENDED if (Status.SUSPENDED, action) in EXPECTED else Status.VALID
    foreign = [c for a in Action if a is not action for c in d.REASONS[a]]
    for code in [*foreign, None, "", "s01"]:
        with pytest.raises(d.InvalidReason) as err:
            _apply(status, action, reason_code=code)
        assert err.value.zh and err.value.en


def test_codes_are_unique_across_actions() -> None:
    codes = [c for a in Action for c in d.REASONS[a]]
    assert len(codes) == len(set(codes))


def test_suspension_ended_reason_needs_a_suspended_certificate() -> None:
    with pytest.raises(d.InvalidReason):
        _apply(Status.VALID, Action.WITHDRAW, reason_code="W01")
    assert _apply(Status.SUSPENDED, Action.WITHDRAW, reason_code="W01").new_status is Status.WITHDRAWN


def test_suspend_records_the_day_and_the_restore_deadline() -> None:
    t = d.apply(Status.VALID, Action.SUSPEND, reason_code="S05", on=date(2024, 8, 31), expiry_date=EXPIRY)
    assert (t.suspended_on, t.restore_by) == (date(2024, 8, 31), date(2025, 2, 28))
    t = d.apply(Status.VALID, Action.SUSPEND, reason_code="S05", on=date(2024, 8, 31), expiry_date=EXPIRY,
                max_suspension_months=3)
    assert t.restore_by == date(2024, 11, 30)
    assert _apply(Status.SUSPENDED, Action.RESTORE).suspended_on is None


def test_restore_after_the_suspension_limit_is_refused() -> None:
    kw = {"reason_code": "R01", "expiry_date": EXPIRY, "suspended_on": date(2024, 8, 31)}
    assert d.apply(Status.SUSPENDED, Action.RESTORE, on=date(2025, 2, 28), **kw).new_status is Status.VALID
    with pytest.raises(d.SuspensionOverdue) as err:
        d.apply(Status.SUSPENDED, Action.RESTORE, on=date(2025, 3, 1), **kw)
    assert "6" in err.value.zh and "withdrawn" in err.value.en
    assert d.apply(Status.SUSPENDED, Action.WITHDRAW, on=date(2025, 3, 1), **kw | {"reason_code": "W01"})


def test_expire_only_from_the_expiry_date() -> None:
    with pytest.raises(d.IllegalTransition):
        d.apply(Status.VALID, Action.EXPIRE, reason_code="E01", on=EXPIRY - timedelta(days=1), expiry_date=EXPIRY)
    for on in (EXPIRY, EXPIRY + timedelta(days=1)):
        assert d.apply(Status.VALID, Action.EXPIRE, reason_code="E01", on=on, expiry_date=EXPIRY).new_status \
            is Status.EXPIRED


def test_after_the_expiry_date_nothing_but_expiry() -> None:
    after = EXPIRY + timedelta(days=1)
    with pytest.raises(d.IllegalTransition) as err:
        d.apply(Status.VALID, Action.SUSPEND, reason_code="S01", on=after, expiry_date=EXPIRY)
    assert "过期" in err.value.zh and "expired" in err.value.en


def test_renew_moves_the_expiry_date_later() -> None:
    t = _apply(Status.VALID, Action.RENEW, new_expiry_date=date(2029, 6, 30))
    assert (t.new_status, t.expiry_date) == (Status.VALID, date(2029, 6, 30))
    for bad in (None, EXPIRY, EXPIRY - timedelta(days=1)):
        with pytest.raises(d.InvalidDates):
            _apply(Status.VALID, Action.RENEW, new_expiry_date=bad)


def test_strings_are_accepted_and_unknown_names_are_value_errors() -> None:
    assert d.apply("valid", "suspend", reason_code="S01", on=BEFORE, expiry_date=EXPIRY).new_status is Status.SUSPENDED
    with pytest.raises(ValueError):
        d.apply("valid", "freeze", reason_code="S01", on=BEFORE, expiry_date=EXPIRY)


def test_action_to() -> None:
    for (status, action), new in EXPECTED.items():
        if new is not status:
            assert d.action_to(status, new) is action
    assert d.action_to(Status.VALID, Status.VALID) is None
    assert d.action_to(Status.WITHDRAWN, Status.VALID) is None


@pytest.mark.parametrize(("today", "expected"), [
    (EXPIRY - timedelta(days=1), Status.VALID), (EXPIRY, Status.VALID), (EXPIRY + timedelta(days=1), Status.EXPIRED)])
def test_effective_status_around_the_expiry_date(today: date, expected: Status) -> None:
    assert d.effective_status(Status.VALID, EXPIRY, today) is expected
    suspended = Status.SUSPENDED if expected is Status.VALID else Status.EXPIRED
    assert d.effective_status("suspended", EXPIRY, today) is suspended
    for final in (Status.WITHDRAWN, Status.CANCELLED, Status.EXPIRED):
        assert d.effective_status(final, EXPIRY, today) is final


@pytest.mark.parametrize(("day", "months", "expected"), [
    (date(2024, 8, 31), 6, date(2025, 2, 28)), (date(2023, 8, 31), 6, date(2024, 2, 29)),
    (date(2024, 1, 31), 1, date(2024, 2, 29)), (date(2024, 3, 31), 1, date(2024, 4, 30)),
    (date(2024, 7, 15), 6, date(2025, 1, 15)), (date(2024, 12, 31), 12, date(2025, 12, 31)),
    (date(2024, 5, 31), -3, date(2024, 2, 29)), (date(2024, 5, 10), 0, date(2024, 5, 10))])
def test_add_months_is_end_of_month_safe(day: date, months: int, expected: date) -> None:
    assert d.add_months(day, months) == expected


def test_suspension_overdue_at_month_ends() -> None:
    assert not d.suspension_overdue(date(2024, 8, 31), date(2025, 2, 28))
    assert d.suspension_overdue(date(2024, 8, 31), date(2025, 3, 1))
    assert not d.suspension_overdue(date(2023, 8, 31), date(2024, 2, 29))
    assert d.suspension_overdue(date(2024, 3, 31), date(2024, 5, 1), 1)
    assert not d.suspension_overdue(date(2024, 3, 31), date(2024, 4, 30), 1)


def test_labels() -> None:
    assert [s.zh for s in Status] == ["有效", "暂停", "撤销", "注销", "过期"]
    assert [s.en for s in Status] == ["valid", "suspended", "withdrawn", "cancelled", "expired"]
    for v in Verdict:
        assert v.zh and v.en and v.explanation_zh and v.explanation_en
    assert Verdict.HOLDER_MISMATCH.zh == "疑似冒用"


# ---------------------------------------------------------------------------------------------------- verdicts

TODAY = date(2025, 6, 1)
HOLDER = {"holder_name": "重庆恒达机械制造有限公司", "holder_uscc": "91500106MA5U7XXX1Q",
          "former_names": ("重庆恒达机械厂",)}


@pytest.mark.parametrize("status", list(Status))
def test_verdict_follows_the_status(status: Status) -> None:
    assert d.verdict(True, status, EXPIRY, TODAY, None, **HOLDER) == Verdict(status.value)


def test_verdict_unknown_number() -> None:
    assert d.verdict(False, None, None, TODAY, "任何名称") is Verdict.UNKNOWN_NUMBER


def test_verdict_past_expiry_is_expired_even_if_stored_valid() -> None:
    assert d.verdict(True, Status.VALID, EXPIRY, EXPIRY, None, **HOLDER) is Verdict.VALID
    assert d.verdict(True, Status.VALID, EXPIRY, EXPIRY + timedelta(days=1), None, **HOLDER) is Verdict.EXPIRED
    assert d.verdict(True, "suspended", EXPIRY, EXPIRY + timedelta(days=1), None, **HOLDER) is Verdict.EXPIRED


@pytest.mark.parametrize("claimed", [
    "重庆恒达机械制造有限公司", "  重庆 恒达机械制造有限公司 ", "重庆恒达机械制造有限责任公司", "重庆恒达机械制造",
    "重庆恒达机械制造股份有限公司", "91500106MA5U7XXX1Q", "91500106ma5u7xxx1q", "９１５００１０６ＭＡ５Ｕ７ＸＸＸ１Ｑ",
    "重庆恒达机械厂", "重庆恒达机械厂有限公司", "重庆\u200b恒达机械制造有限公司", "", "   "])
def test_claimed_holder_matching(claimed: str) -> None:
    assert d.verdict(True, Status.VALID, EXPIRY, TODAY, claimed, **HOLDER) is Verdict.VALID


@pytest.mark.parametrize("claimed", [
    "重庆顺发五金有限公司", "91500106MA5U7XXX2Q", "恒达机械制造有限公司", "重庆恒达", "重庆恒达机械厂二分厂"])
def test_holder_mismatch(claimed: str) -> None:
    assert d.verdict(True, Status.VALID, EXPIRY, TODAY, claimed, **HOLDER) is Verdict.HOLDER_MISMATCH
    assert d.verdict(True, Status.WITHDRAWN, EXPIRY, TODAY, claimed, **HOLDER) is Verdict.HOLDER_MISMATCH


def test_brackets_full_and_half_width() -> None:
    holder = {"holder_name": "恒达(重庆)科技有限公司", "holder_uscc": None}
    for claimed in ("恒达（重庆）科技有限公司", "恒达【重庆】科技有限公司", "恒达 (重庆) 科技有限公司", "恒达重庆科技"):
        assert d.verdict(True, Status.VALID, EXPIRY, TODAY, claimed, **holder) is Verdict.VALID
    assert d.verdict(True, Status.VALID, EXPIRY, TODAY, "恒达(成都)科技有限公司", **holder) is Verdict.HOLDER_MISMATCH


def test_english_company_forms() -> None:
    assert d.holder_matches("Hengda Machinery Co., Ltd.", "HENGDA MACHINERY CO.,LTD", None)
    assert not d.holder_matches("Shunfa Co., Ltd.", "HENGDA MACHINERY CO.,LTD", None)


def test_a_found_certificate_needs_its_status() -> None:
    with pytest.raises(ValueError):
        d.verdict(True, None, None, TODAY, None, **HOLDER)

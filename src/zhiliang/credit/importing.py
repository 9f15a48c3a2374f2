"""Import of credit records (penalties, abnormal-operation listings, licence revocations …) from .csv/.xlsx, with
the registry's guarantees and row-level error report (``registry.importing.import_rows``).

A row is one record of an enterprise named by its USCC. A row that repeats a record already stored (same
enterprise, indicator, date and decision number) counts as unchanged, so importing the same file twice adds
nothing. Columns: see :data:`COLUMNS` (Chinese headers first) and docs/credit.md.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from zhiliang.credit import domain, service
from zhiliang.credit.models import CreditRecord
from zhiliang.kernel.auth import Actor
from zhiliang.kernel.errors import DomainError
from zhiliang.kernel.policy import require
from zhiliang.kernel.runtime import Runtime
from zhiliang.registry import queries as registry
from zhiliang.registry.domain import RowProblem, map_header, parse_date
from zhiliang.registry.importing import BatchCounts, ImportOutcome, import_rows

COLUMNS: dict[str, tuple[str, ...]] = {
    "uscc": ("统一社会信用代码", "信用代码", "uscc"),
    "indicator": ("信用指标", "记录类型", "indicator"),
    "occurred_on": ("日期", "处罚日期", "决定日期", "列入日期", "occurred_on"),
    "ended_on": ("结束日期", "移出日期", "ended_on"),
    "decision_no": ("处罚决定书文号", "决定书文号", "文号", "decision_no"),
    "legal_basis": ("法律依据", "处罚依据", "legal_basis"),
    "amount": ("罚没金额", "罚款金额", "金额", "amount"),
    "heavier": ("从重", "从重处罚", "heavier"),
    "heavier_penalty": ("较重处罚种类", "heavier_penalty"),
    "serious": ("情节严重", "serious"),
    "special_field": ("重点领域", "食品药品特种设备", "special_field"),
    "summary": ("说明", "违法事实", "summary"),
}
REQUIRED = ("uscc", "indicator", "occurred_on")
LABELS = {field: headers[0] for field, headers in COLUMNS.items()}
_YES, _NO = {"是", "y", "yes", "true", "1", "√"}, {"否", "n", "no", "false", "0", ""}


def columns_of(header: tuple[str, ...]) -> tuple[dict[str, int], list[str]]:
    return map_header(header, COLUMNS, REQUIRED)


def import_records(rt: Runtime, path: Path, actor: Actor, *, file_name: str | None = None) -> ImportOutcome:
    """Import credit records from ``path`` (regulators and admins); per-row problems go to the job's report."""
    require(actor.role in ("regulator", "admin"))
    the_model = service.model(rt.settings)
    names = {i.name_zh: code for code, i in the_model.indicators.items()}

    def heavier_kind(word: str) -> str | None:
        """A heavier-penalty kind by code, or by its Chinese wording or a part of it that names one kind only."""
        if not word or word in domain.HEAVIER_PENALTIES:
            return word or None
        found = [code for code, (zh, _) in domain.HEAVIER_PENALTIES.items() if word in zh]
        return found[0] if len(found) == 1 else word

    def write_batch(session: Session, job_id: int, batch: list[tuple[int, list[str]]],
                    columns: dict[str, int]) -> BatchCounts:
        created = unchanged = rejected = 0
        problems: list[RowProblem] = []
        for number, cells in batch:
            def cell(field: str, cells: list[str] = cells) -> str:
                index = columns.get(field)
                return cells[index].strip() if index is not None and index < len(cells) else ""

            def fail(field: str, code: str, zh: str, en: str, number: int = number) -> None:
                problems.append(RowProblem(number, LABELS[field], cell(field)[:200], code, zh, en))

            before = len(problems)
            enterprise = registry.enterprise_by_uscc(session, cell("uscc")) if cell("uscc") else None
            if enterprise is None:
                fail("uscc", "credit.enterprise", "未找到该统一社会信用代码的企业", "no enterprise with this USCC")
            indicator = names.get(cell("indicator"), cell("indicator"))
            occurred = parse_date(cell("occurred_on"))
            if occurred is None:
                fail("occurred_on", "credit.date", "日期无法识别", "unreadable date")
            ended = parse_date(cell("ended_on")) if cell("ended_on") else None
            if cell("ended_on") and ended is None:
                fail("ended_on", "credit.date", "日期无法识别", "unreadable date")
            amount = None
            if cell("amount"):
                try:
                    amount = Decimal(cell("amount").replace(",", "").replace("元", ""))
                except InvalidOperation:
                    fail("amount", "credit.amount", "金额应为数字", "the amount is a number")
            flags = {}
            for field in ("heavier", "serious", "special_field"):
                value = cell(field).casefold()
                if value not in _YES | _NO:
                    fail(field, "credit.flag", "请填写“是”或“否”", "write 是 or 否 (yes or no)")
                flags[field] = value in _YES
            if len(problems) == before and enterprise is not None and occurred is not None:
                item = service.RecordIn(
                    indicator=indicator, occurred_on=occurred, ended_on=ended, decision_no=cell("decision_no") or None,
                    legal_basis=cell("legal_basis") or None, amount=amount,
                    heavier_penalty=heavier_kind(cell("heavier_penalty")),
                    summary=cell("summary"), **flags)
                for field, zh, en in service.check_record(the_model, item, rt.today()):
                    fail(field if field in LABELS else "indicator", f"credit.{field}", zh, en)
            if len(problems) > before:
                rejected += 1
                continue
            if session.scalar(select(CreditRecord.id).where(
                    CreditRecord.enterprise_id == enterprise.id, CreditRecord.indicator == item.indicator,
                    CreditRecord.occurred_on == item.occurred_on,
                    CreditRecord.decision_no.is_(None) if item.decision_no is None
                    else CreditRecord.decision_no == item.decision_no)):
                unchanged += 1
                continue
            try:
                with session.begin_nested():
                    service.add_record(session, actor, rt.clock.now(), rt.today(), the_model, enterprise.id, item,
                                       source=f"import:{job_id}")
                created += 1
            except DomainError as error:  # outside the actor's jurisdiction
                problems.append(RowProblem(number, LABELS["uscc"], cell("uscc"), error.code, error.zh, error.en))
                rejected += 1
        return BatchCounts(created, 0, unchanged, rejected, problems)

    return import_rows(rt, path, actor, kind="credit_records", columns_of=columns_of, write_batch=write_batch,
                       file_name=file_name)

"""How the credit tables follow from their events, for ``zhiliang ledger audit`` (ledger issue, point 6).

Credit events are logged on the enterprise they concern (``enterprise:<id>``), so each projection folds only its
own event types and finds the row by a payload key (``record_id``, ``listing_id``, ``application_id``); an
enterprise's risk class folds from ``credit.ClassChanged`` (``to``) starting from the registry's default B.
Values are made JSON-plain the way the events carry them: dates as ISO text, amounts as plain decimal text.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlalchemy.orm import Session

from zhiliang.credit.models import CreditRecord, InstitutionCreditRecord, RepairApplication, SeriousListing
from zhiliang.ledger.audit import table_rows
from zhiliang.ledger.domain import Projection
from zhiliang.registry import queries as registry

RECORD_FIELDS = ("indicator", "occurred_on", "ended_on", "heavier", "decision_no", "legal_basis", "amount",
                 "heavier_penalty", "serious", "special_field", "source", "status", "status_changed_on")
LISTING_FIELDS = ("record_id", "listed_on", "ends_on", "basis", "status", "removed_on", "removal")
APPLICATION_FIELDS = ("kind", "listing_id", "record_id", "status")
INSTITUTION_FIELDS = ("kind", "institution_id", "indicator", "occurred_on", "heavier", "decision_no")


def ledger_projections() -> list[Projection]:
    """The credit tables under the audit: records, listings, repair applications, institution records, and the
    risk class the reclassification writes into the registry."""
    return [
        Projection("enterprise", "信用记录", "Credit record", RECORD_FIELDS, table_rows(CreditRecord, RECORD_FIELDS),
                   types=("credit.RecordAdded", "credit.RecordEnded", "credit.RecordRepaired"), key="record_id",
                   table="credit_record"),
        Projection("enterprise", "严重违法失信名单列入", "Serious-violation listing", LISTING_FIELDS,
                   table_rows(SeriousListing, LISTING_FIELDS), types=("credit.SeriousListed", "credit.SeriousRemoved"),
                   key="listing_id", table="serious_listing"),
        Projection("enterprise", "信用修复申请", "Credit repair application", APPLICATION_FIELDS,
                   table_rows(RepairApplication, APPLICATION_FIELDS),
                   types=("credit.RepairApplied", "credit.RepairReviewed"), key="application_id",
                   table="credit_repair_application"),
        Projection("institution_credit_record", "机构信用记录", "Institution credit record", INSTITUTION_FIELDS,
                   table_rows(InstitutionCreditRecord, INSTITUTION_FIELDS)),
        Projection("enterprise", "企业信用风险分类", "Enterprise credit-risk class", ("risk_class",), _risk_classes,
                   types=("credit.ClassChanged",), rename={"to": "risk_class"}, initial={"risk_class": "B"}),
    ]


def _risk_classes(session: Session) -> Iterator[tuple[str, dict[str, Any]]]:
    for page in registry.risk_classes(session):
        for enterprise_id, risk_class, _division, _industry in page:
            yield str(enterprise_id), {"risk_class": risk_class}

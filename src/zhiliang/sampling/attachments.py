"""Files of a test report (the signed PDF, photographs of the sample): attached by the laboratory to its draft,
before sign-off — a signed report, files included, never changes; a correction is a new version with its own."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from zhiliang.kernel import audit
from zhiliang.kernel.auth import Actor
from zhiliang.kernel.errors import conflict, forbidden, invalid, not_found
from zhiliang.kernel.files import evidence_type, keep
from zhiliang.kernel.policy import is_staff
from zhiliang.sampling import policy, service
from zhiliang.sampling.models import SampleReport

MAX_FILES = 20


def attach(session: Session, actor: Actor, at: datetime, report_id: int, file_name: str, data: bytes, store: Path,
           max_bytes: int) -> dict[str, Any]:
    """Attach a PDF, JPEG or PNG of at most ``max_bytes`` to a draft report (its laboratory only). The file is kept
    under ``store`` by its SHA-256. Raises 403, 404, 409 (signed), 422 (type, size, too many files)."""
    report = session.get(SampleReport, report_id, with_for_update=True)
    if report is None:
        raise not_found("检验报告", "Test report", report_id)
    if actor.role != "lab" or actor.tenant_id != report.lab_id:
        raise forbidden("报告附件只能由出具报告的检验机构上传", "Only the laboratory of the report attaches its files")
    if report.signed_off_at is not None:
        raise conflict("sampling.signed", "报告已签发,不能再添加附件", "The report is signed; no more files", "file")
    if not data or len(data) > max_bytes:
        raise invalid("sampling.file_size", f"附件须为 1 字节至 {max_bytes >> 20} MB",
                      f"A file must be 1 byte to {max_bytes >> 20} MB", "file")
    kind = evidence_type(data[:16])
    if kind is None:
        raise invalid("sampling.file_type", "附件只接受 PDF、JPEG 或 PNG 文件", "Files must be PDF, JPEG or PNG",
                      "file")
    if len(report.files or []) >= MAX_FILES:
        raise invalid("sampling.files", f"每份报告至多 {MAX_FILES} 个附件", f"At most {MAX_FILES} files a report",
                      "file")
    entry = {"name": (file_name or "file")[:255], "sha256": keep(store, data), "size": len(data),
             "content_type": kind, "uploaded_at": at.isoformat()}
    report.files = [*(report.files or []), entry]
    audit.record(session, at=at, actor_id=actor.user_id, actor_label=actor.label, tag="sampling:report:file",
                 entity_type="sample_report", entity_id=report.id, before=None, after=entry)
    return entry


def file_of(session: Session, actor: Actor, report_id: int, sha256: str, store: Path) -> tuple[dict[str, Any], Path]:
    """A report file and its path, for the laboratory that wrote the report and for staff who may see the sample
    (its jurisdiction's regulators, admins); the public sees published results, not the laboratory's files."""
    report = session.get(SampleReport, report_id)
    if report is None:
        raise not_found("检验报告", "Test report", report_id)
    sample = service.get_sample(session, report.sample_id)
    own_lab = actor.role == "lab" and actor.tenant_id == report.lab_id
    if not (own_lab or (is_staff(actor) and policy.can_view(actor, sample))):
        raise forbidden()
    entry = next((f for f in report.files or [] if f["sha256"] == sha256), None)
    if entry is None:
        raise not_found("报告附件", "Report file", sha256)
    return entry, store / sha256[:2] / sha256

"""Request and response models of the certificates API."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

Text64 = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]


class CertificateIn(BaseModel):
    """A certificate as its CB reports it. ``status``/``reason_code`` are used by bulk upserts of current state."""

    model_config = ConfigDict(extra="forbid")

    number: Text64 = Field(description="The certificate number as printed")
    cb_ref: Text64 = Field(description="The CB's own stable id of this certificate")
    type_code: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=16)]
    holder_uscc: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40)]
    holder_name: Name = Field(description="The holder's name as certified")
    sites: list[Annotated[str, StringConstraints(max_length=300)]] = Field(default_factory=list, max_length=200)
    scope: Annotated[str, StringConstraints(max_length=4000)] = ""
    standards: list[Annotated[str, StringConstraints(max_length=120)]] = Field(default_factory=list, max_length=50)
    accreditation_mark: Annotated[str, StringConstraints(max_length=32)] | None = None
    first_issued_date: date | None = None
    issued_date: date
    expiry_date: date
    status: str | None = Field(None, description="Bulk upserts only: the certificate's current status")
    reason_code: str | None = None
    status_date: date | None = None


class CertificatePatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: int = Field(ge=1, description="The version you read; a concurrent change makes this a 409")
    holder_name: Name | None = None
    sites: list[Annotated[str, StringConstraints(max_length=300)]] | None = None
    scope: Annotated[str, StringConstraints(max_length=4000)] | None = None
    standards: list[Annotated[str, StringConstraints(max_length=120)]] | None = None
    accreditation_mark: Annotated[str, StringConstraints(max_length=32)] | None = None
    issued_date: date | None = None
    expiry_date: date | None = None


class StatusChangeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    action: str = Field(description="suspend | restore | withdraw | cancel")
    reason_code: str | None = None
    on_date: date | None = Field(None, description="Effective date (default: today)")
    note: Annotated[str, StringConstraints(max_length=2000)] | None = None
    version: int | None = Field(None, ge=1)


class BulkIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    certificates: list[CertificateIn] = Field(max_length=1000)


class NoChangeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    period: Annotated[str, StringConstraints(pattern=r"^\d{4}-(0[1-9]|1[0-2])$")] = Field(
        description="The month with no change, YYYY-MM")

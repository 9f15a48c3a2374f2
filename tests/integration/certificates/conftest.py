from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date

import pytest

from zhiliang.certificates.schemas import CertificateIn
from zhiliang.kernel.auth import Actor
from zhiliang.registry import directory, uscc
from zhiliang.registry.domain import EnterpriseRecord
from zhiliang.registry.service import upsert_enterprises


@dataclass
class World:
    cb: Actor
    other_cb: Actor
    holder_uscc: str
    holder_name: str
    other_uscc: str
    closed_uscc: str

    def cert(self, number: str = "2020010703123456", cb_ref: str = "A-1", **kw) -> CertificateIn:
        fields = {"number": number, "cb_ref": cb_ref, "type_code": "CCC", "holder_uscc": self.holder_uscc,
                  "holder_name": self.holder_name, "scope": "电冰箱", "issued_date": date(2024, 1, 5),
                  "expiry_date": date(2029, 1, 4), **kw}
        return CertificateIn(**fields)


def _record(code: str, name: str, status: str = "active") -> EnterpriseRecord:
    return EnterpriseRecord(uscc=code, uscc_warning=None, name=name, entity_type="enterprise", legal_rep=None,
                            address=None, division_code="500106", industry_code=None, registration_authority=None,
                            established_date=None, status=status, registered_capital=None, former_names=())


@pytest.fixture
def world(rt) -> World:
    rng = random.Random(4)
    codes = [uscc.random_uscc(rng, "500106") for _ in range(3)]
    with rt.db.begin() as s:
        upsert_enterprises(s, [_record(codes[0], "沙坪坝区恒达电器有限公司"), _record(codes[1], "渝中区鑫源食品有限公司"),
                               _record(codes[2], "北碚区已注销电器厂", "cancelled")],
                           Actor.system(), rt.clock.now(), "test")
        cb = directory.register_cb(s, Actor.system(), rt.clock.now(), cnca_number="CNCA-R-2002-001",
                                   name="中国质量认证中心", approved_types=["CCC", "QMS"])
        other = directory.register_cb(s, Actor.system(), rt.clock.now(), cnca_number="CNCA-R-2003-002",
                                      name="方圆标志认证集团", approved_types=["QMS"])
        s.flush()
        cb_id, other_id = cb.id, other.id
    return World(Actor(901, "cb", "cqc-api", cb_id), Actor(902, "cb", "fangyuan-api", other_id), codes[0],
                 "沙坪坝区恒达电器有限公司", codes[1], codes[2])

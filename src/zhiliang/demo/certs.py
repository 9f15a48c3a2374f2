"""The demo city's certificates: about 30,000 at scale 1, with lifecycles, and a few forged numbers to look up.

Planning is pure (:func:`plan`): each active company or cooperative of the generated city gets certification
"lines" by what it does — CCC for each product under compulsory certification, management systems for all kinds
(construction and property firms nearly always hold QMS/EMS/OHSMS), food safety for food makers, information
security for IT firms, organic and green for cooperatives, low-carbon and after-sales service in smaller numbers —
each line with a CB approved for the type. A line starts within the last eight years and runs in cycles (3 years;
CCC 5); a cycle that ended in the past was usually recertified (a new certificate, ``R1``, ``R2`` …), otherwise it
lapsed, was withdrawn or cancelled; the current cycle is mostly valid, sometimes suspended, restored after a
suspension, withdrawn or cancelled, each with its reason code. Organic certificates (valid one year) keep their
number and are reissued yearly (CNCA's unified organic numbering), so they carry ``first_issued_date``.

Loading (:func:`load`) goes through the certificates' use cases as each CB (``service.upsert_many`` in chunks of
1,000, one transaction each, then ``service.change_status`` for multi-step histories), skips certificates whose
``cb_ref`` the CB has or whose number exists, then runs ``service.expire_due`` so recorded statuses match the
dates. Same seed, same day: nothing is added; on a later day, cycles that began since are added.

Draws come from ``rng_for(seed, …)`` keyed by holder and line. Numbers follow :func:`domain.parse_number`'s
formats; GREEN, LOWCARBON and SERVICE use CB-specific ones (kind ``other``), as do one CB in seven for
management systems certified before 2018 (the demo's stand-in for in-house numbering; not a documented rule).
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from itertools import islice
from typing import Any, NamedTuple

from sqlalchemy import func, select

from zhiliang.certificates import domain, refdata, service, verification
from zhiliang.certificates.models import Certificate, CounterfeitSignal
from zhiliang.certificates.schemas import CertificateIn
from zhiliang.demo import generate, trades
from zhiliang.demo.draw import Weighted, rng_for
from zhiliang.kernel.auth import Actor
from zhiliang.kernel.runtime import Runtime
from zhiliang.registry.domain import EnterpriseRecord
from zhiliang.registry.models import CertificationBody, Enterprise

__all__ = ["Forgery", "Planned", "Step", "Tally", "forged", "load", "look_up_forgeries", "plan"]

CHUNK = 1000  # service.upsert_many's limit
YEARS_BACK = 8
RECERTIFIED = 0.8  # share of ended cycles followed by recertification
VALIDITY_YEARS = {"CCC": 5, "ORGANIC": 1}  # others 3 (GB/T 27021.1 §9.1.3: a three-year certification cycle)
_OWN_FORMAT = {"GREEN": "GP", "LOWCARBON": "LC", "SERVICE": "SV"}
_LETTER = {code: letter for letter, code in domain.MS_TYPE_LETTERS.items()}

# CCC category codes (4 digits: category + product) for the demo's products. Illustrative: the official code list
# was not found (see the number notes in certificates.domain); the two-digit majors follow the CCC catalogue's
# order (01 wires, 03 low-voltage apparatus, 07 household appliances, 08 lighting, 09 IT equipment, 11 motor
# vehicle parts, 13 safety glass).
CCC_CATEGORY = {"聚氯乙烯绝缘电缆": "0101", "低压成套开关设备": "0302", "电冰箱": "0701", "电饭锅": "0708",
                "LED灯具": "0808", "笔记本电脑": "0901", "电源适配器": "0907", "汽车安全带": "1104",
                "汽车座椅": "1108", "汽车前照灯": "1109", "摩托车乘员头盔": "1113", "两轮摩托车": "1102",
                "钢化玻璃": "1301"}

# How likely a holder of each trade is to hold each type (one line per type; CCC: one per eligible product).
_MAKE = {"QMS": 0.75, "EMS": 0.42, "OHSMS": 0.38, "EnMS": 0.06, "GREEN": 0.04, "LOWCARBON": 0.025}
_FOOD = {"QMS": 0.55, "FSMS": 0.5, "HACCP": 0.35, "EMS": 0.15, "OHSMS": 0.12, "GREEN": 0.05, "ORGANIC": 0.05}
_SERVE = {"QMS": 0.42, "EMS": 0.22, "OHSMS": 0.2, "SERVICE": 0.04}
_BUILD = {"QMS": 0.9, "EMS": 0.82, "OHSMS": 0.82}  # bids for public works ask for the three systems
_IT = {"QMS": 0.6, "ISMS": 0.4, "EMS": 0.2, "OHSMS": 0.18}
_TRADE = {"QMS": 0.3, "EMS": 0.1, "OHSMS": 0.08, "SERVICE": 0.1}
_COOP = {"ORGANIC": 0.3, "GREEN": 0.1, "QMS": 0.04}
PROFILES: dict[str, dict[str, float]] = {
    **{w: _FOOD for w in ("食品", "调味品", "粮油", "肉制品", "酒业", "茶业", "饮品")},
    **{w: _BUILD for w in ("建设工程", "装饰工程", "物业管理")},
    **{w: _IT for w in ("网络", "软件", "科技", "信息技术")},
    "餐饮": {"QMS": 0.1, "FSMS": 0.12, "HACCP": 0.06, "SERVICE": 0.04},
    "酒店管理": {"QMS": 0.3, "EMS": 0.15, "FSMS": 0.1, "SERVICE": 0.1},
    "环保科技": {"QMS": 0.5, "EMS": 0.5, "OHSMS": 0.4},
    "汽车维修": {"QMS": 0.2, "SERVICE": 0.2}, "家政服务": {"QMS": 0.2, "SERVICE": 0.15},
    "医药连锁": {"QMS": 0.3, "SERVICE": 0.1},
}
SERVICE_SCOPES = {
    "建设工程": "房屋建筑工程施工", "装饰工程": "建筑装饰装修工程的设计与施工", "商贸": "日用百货、五金交电的销售",
    "贸易": "金属材料、建筑材料的销售", "百货": "日用百货的零售", "医药连锁": "药品零售", "运输": "道路普通货物运输",
    "物流": "仓储及物流配送服务", "酒店管理": "住宿及餐饮服务", "餐饮": "中餐服务", "网络": "网络系统集成服务",
    "软件": "计算机软件的开发", "科技": "计算机信息系统集成及技术服务", "信息技术": "信息技术咨询及运行维护服务",
    "置业": "房地产开发", "物业管理": "物业管理服务", "企业管理咨询": "企业管理咨询服务", "广告": "广告设计与制作",
    "检测技术": "检验检测服务", "环保科技": "环境污染治理设施运营", "家政服务": "家政服务", "汽车维修": "机动车维修",
}
_GROUP_DEFAULT = {"make": _MAKE, "trade": _TRADE, "serve": _SERVE, "coop": _COOP}

# What becomes of a cycle: the current one (_FATES), or one that ended in the past and was not recertified
# (_ENDINGS); and the reason codes CBs give (weights are the demo's guesses, not statistics).
_SUSPEND = Weighted([("S01", 30), ("S02", 25), ("S03", 10), ("S04", 5), ("S05", 10), ("S06", 4), ("S07", 6),
                     ("S08", 10)])
_WITHDRAW = Weighted([("W03", 8), ("W04", 15), ("W05", 10), ("W06", 5), ("W07", 30), ("W08", 7), ("W09", 15),
                      ("W10", 10)])
_CANCEL = Weighted([("C01", 45), ("C02", 30), ("C03", 5), ("C04", 15), ("C99", 5)])
_FATES = Weighted([("valid", 860), ("suspended", 40), ("restored", 40), ("withdrawn", 20), ("suspended_withdrawn", 12),
                   ("cancelled", 28)])
_ENDINGS = Weighted([("lapsed", 60), ("withdrawn", 15), ("suspended_withdrawn", 5), ("cancelled", 20)])
_MAX_SUSPENSION_DAYS = 180  # within [QMS] §7.2's six months, whatever the month lengths


class Step(NamedTuple):
    action: str
    reason_code: str
    on: date


@dataclass(frozen=True)
class Planned:
    """One certificate to issue as CB ``cb`` (its CNCA approval number), and what happens to it afterwards."""

    cb: str
    cb_ref: str
    number: str
    kind: str  # what domain.parse_number must recognise
    type_code: str
    holder_uscc: str
    holder_name: str
    scope: str
    standards: tuple[str, ...]
    sites: tuple[str, ...]
    mark: str | None
    first_issued: date
    issued: date
    expiry: date
    steps: tuple[Step, ...] = ()

    def as_input(self) -> CertificateIn:
        """The upsert item; a single status change rides along as the reported current status."""
        one = self.steps[0] if len(self.steps) == 1 else None
        status = domain.TRANSITIONS[(domain.Status.VALID, domain.Action(one.action))] if one else None
        return CertificateIn(
            number=self.number, cb_ref=self.cb_ref, type_code=self.type_code, holder_uscc=self.holder_uscc,
            holder_name=self.holder_name, sites=list(self.sites), scope=self.scope, standards=list(self.standards),
            accreditation_mark=self.mark, first_issued_date=self.first_issued, issued_date=self.issued,
            expiry_date=self.expiry, status=status.value if status else None,
            reason_code=one.reason_code if one else None, status_date=one.on if one else None)


# ---------------------------------------------------------------------------------------------------- planning


@dataclass
class _Cb:
    row: dict[str, Any]
    index: int
    ms_code: str  # three digits, unique in the demo
    ccc_code: str  # two digits, unique among CCC CBs (01, CQC's, is not used)
    lines: int = 0
    ccc: int = 0

    @property
    def own_format(self) -> bool:
        return self.index % 7 == 3


def _cbs(cb_rows: Sequence[dict[str, Any]]) -> list[_Cb]:
    used: set[int] = {0, 1}  # 001 is CQC's serial
    out = []
    for i, row in enumerate(cb_rows):
        code = int(row["cnca_number"][-3:])
        while code in used:
            code = (code + 1) % 1000
        used.add(code)
        ccc = sum("CCC" in r["approved_types"] for r in cb_rows[:i]) % 98 + 2
        out.append(_Cb(row, i, f"{code:03d}", f"{ccc:02d}"))
    return out


class _Picker:
    """Chooses the CB of a line: active CBs approved for the type, bigger (earlier) ones more often; a holder's
    management systems go to its usual CB when that CB is approved (integrated audits)."""

    def __init__(self, cbs: list[_Cb]) -> None:
        active = [c for c in cbs if c.row["status"] == "active"]
        self.by_type: dict[str, Weighted[_Cb]] = {}
        for type_code in {t for c in active for t in c.row["approved_types"]}:
            ranked = [c for c in active if type_code in c.row["approved_types"]]
            self.by_type[type_code] = Weighted([(c, 1 / (c.index + 2) ** 0.9) for c in ranked])

    def pick(self, rng: random.Random, type_code: str, usual: _Cb | None) -> _Cb | None:
        if type_code not in self.by_type:
            return None
        if usual is not None and type_code in usual.row["approved_types"] and rng.random() < 0.8:
            return usual
        return self.by_type[type_code].pick(rng)


@dataclass(frozen=True)
class _Holder:
    record: EnterpriseRecord
    trade: trades.Trade
    products: tuple[dict[str, Any], ...]


def _holders(seed: int, records: Iterable[EnterpriseRecord]) -> list[_Holder]:
    by_code: dict[str, list[trades.Trade]] = defaultdict(list)
    for trade in trades.COMPANY_TRADES + trades.COOP_TRADES:
        for code in trade.codes:
            by_code[code].append(trade)
    out = []
    for r in records:
        if r.status != "active" or r.entity_type not in ("enterprise", "cooperative"):
            continue
        found = [t for t in by_code.get(r.industry_code or "", []) if t.word in r.name]
        if found:
            out.append(_Holder(r, found[0], tuple(generate.products(seed, r))))
    return out


def _lines(rng: random.Random, holder: _Holder) -> list[tuple[str, dict[str, Any] | None]]:
    """(type, product) per line: each type of the trade's profile drawn once; CCC once per eligible product."""
    profile = PROFILES.get(holder.trade.word) or _GROUP_DEFAULT.get(holder.trade.forms, {})
    lines: list[tuple[str, dict[str, Any] | None]] = [(t, None) for t, p in profile.items() if rng.random() < p]
    for product in holder.products:
        if product["name"] in CCC_CATEGORY and rng.random() < 0.9:
            lines += [("CCC", product)] * (1 + (rng.random() < 0.6) + (rng.random() < 0.3) + (rng.random() < 0.1))
    return lines


def plan(seed: int, records: Iterable[EnterpriseRecord], cb_rows: Sequence[dict[str, Any]],
         today: date) -> list[Planned]:
    """Every certificate of the demo city for ``seed`` as of ``today``, in a fixed order. Pure and deterministic.

    Invariants: numbers are distinct and each parses (:func:`domain.parse_number`) as ``Planned.kind``; every
    certificate's CB is active and approved for its type; issue dates lie within about eight years before
    ``today``, expiry after issue, and every step date lies between the issue date and ``min(expiry, today)``.
    """
    cbs = _cbs(cb_rows)
    picker, out = _Picker(cbs), []
    earliest = today - timedelta(days=365 * YEARS_BACK)
    for holder in _holders(seed, records):
        rng = rng_for(seed, f"certs:{holder.record.uscc}")
        start_from = max(earliest, (holder.record.established_date or earliest) + timedelta(days=60))
        if start_from > today - timedelta(days=30):
            continue
        usual = picker.pick(rng, "QMS", None)
        for n, (type_code, product) in enumerate(_lines(rng, holder)):
            cb = picker.pick(rng, type_code, usual)
            if cb is None:
                continue
            line_rng = rng_for(seed, f"certs:{holder.record.uscc}:{n}")
            start = start_from + timedelta(days=int(line_rng.random() * ((today - start_from).days - 30)))
            out += _line(line_rng, cb, holder, type_code, product, n, start, today)
    return out


def _years(day: date, years: int) -> date:
    return domain.add_months(day, 12 * years)


def _line(rng: random.Random, cb: _Cb, holder: _Holder, type_code: str, product: dict[str, Any] | None, n: int,
          start: date, today: date) -> list[Planned]:
    cb.lines += 1
    serial, years = cb.lines, VALIDITY_YEARS.get(type_code, 3)
    if type_code == "ORGANIC":  # one number, reissued yearly while the line lasts
        return [_organic(rng, cb, holder, n, serial, start, today)]
    out, cycle, issued = [], 0, start
    while True:
        expiry = _years(issued, years) - timedelta(days=1)
        fate = _FATES.pick(rng) if expiry >= today else "recertified" if rng.random() < RECERTIFIED else \
            _ENDINGS.pick(rng)
        # A recertified cycle sometimes had a suspension that was lifted: part of its history.
        steps = _steps(rng, "restored" if fate == "recertified" and rng.random() < 0.05 else fate, issued,
                       min(expiry, today))
        number, kind = _number(cb, holder, type_code, product, serial, cycle, issued)
        out.append(_planned(cb, holder, type_code, product, n, cycle, number, kind, start, issued, expiry, steps))
        if fate != "recertified":
            return out
        cycle, issued = cycle + 1, expiry - timedelta(days=rng.randint(5, 40))


def _organic(rng: random.Random, cb: _Cb, holder: _Holder, n: int, serial: int, start: date,
             today: date) -> Planned:
    renewals = 0
    while _years(start, renewals + 1) <= today and rng.random() < 0.85:
        renewals += 1
    issued = _years(start, renewals)
    expiry = _years(issued, 1) - timedelta(days=1)
    fate = (_ENDINGS if expiry < today else _FATES).pick(rng)
    steps = _steps(rng, fate, issued, min(expiry, today))
    number = f"{cb.ms_code}OP{start.year % 100:02d}{_serial(serial)[-5:]}"
    return _planned(cb, holder, "ORGANIC", None, n, 0, number, "organic", start, issued, expiry, steps)


def _steps(rng: random.Random, fate: str, issued: date, last: date) -> tuple[Step, ...]:
    """The status changes of a certificate with this fate, dated within [issued, last]; none if they do not fit."""
    span = (last - issued).days
    if fate in ("valid", "lapsed", "recertified") or span < 60:
        return ()
    if fate in ("withdrawn", "cancelled"):
        action, reason = ("withdraw", _WITHDRAW.pick(rng)) if fate == "withdrawn" else ("cancel", _CANCEL.pick(rng))
        return (Step(action, reason, issued + timedelta(days=rng.randint(30, span))),)
    # Suspensions: a current one began within the last five months, so it is not yet overdue.
    earliest = max(30, span - 150) if fate == "suspended" else 30
    suspended = issued + timedelta(days=rng.randint(min(earliest, span - 30), span - 30))
    first = Step("suspend", _SUSPEND.pick(rng), suspended)
    room = min((last - suspended).days, _MAX_SUSPENSION_DAYS)
    if fate == "suspended" or room < 20:
        return (first,)
    then = suspended + timedelta(days=rng.randint(20, room))
    second = Step("restore", "R01", then) if fate == "restored" else Step("withdraw", "W01", then)
    return first, second


def _number(cb: _Cb, holder: _Holder, type_code: str, product: dict[str, Any] | None, serial: int, cycle: int,
            issued: date) -> tuple[str, str]:
    yy = f"{issued.year % 100:02d}"
    if type_code == "CCC":
        cb.ccc += 1
        category = CCC_CATEGORY[product["name"]] if product else "0101"
        return f"{issued.year}{cb.ccc_code}{category}{(cb.ccc * 7919 + 104_729) % 1_000_000:06d}", "ccc"
    if type_code in _OWN_FORMAT:
        return f"{cb.ms_code}{_OWN_FORMAT[type_code]}{issued.year}{_serial(serial)}-{cycle}", "other"
    if cb.own_format and issued.year < 2018:
        return f"{cb.ms_code}-{type_code}-{issued.year}-{_serial(serial)}-{cycle}", "other"
    capital = holder.record.registered_capital or 0
    size = "S" if capital < 100 else "M" if capital < 2000 else "L"  # the number's size letter, by a proxy
    return f"{cb.ms_code}{yy}{_LETTER[type_code]}{_serial(serial)}R{cycle}{size}", "cnca_ms"


def _serial(k: int) -> str:
    """The k-th serial of a CB: five random-looking digits (a bijection below 100,000), then six."""
    return f"{(k * 7919 + 31_337) % 100_000:05d}" if k < 100_000 else f"{k:06d}"


def _planned(cb: _Cb, holder: _Holder, type_code: str, product: dict[str, Any] | None, n: int, cycle: int,
             number: str, kind: str, start: date, issued: date, expiry: date, steps: tuple[Step, ...]) -> Planned:
    r = holder.record
    cert_type = refdata.cert_types()[type_code]
    if product is not None:
        scope, standards = f"{product['name']}({product['model']})", (product["standard"], cert_type.standard)
    else:
        scope, standards = _scope(holder, type_code), (cert_type.standard,)
    mark = "CNAS" if type_code in _LETTER or type_code == "CCC" else None
    return Planned(cb.row["cnca_number"], f"{r.uscc}-{n:02d}-{cycle}", number, kind, type_code, r.uscc, r.name,
                   scope, standards, (r.address,) if r.address else (), mark,
                   start if type_code == "ORGANIC" else issued, issued, expiry, steps)


def _scope(holder: _Holder, type_code: str) -> str:
    made = "、".join(dict.fromkeys(p["name"] for p in holder.products))
    word = holder.trade.word
    if holder.trade.forms == "make":
        what = f"{made}的生产" if made else f"{word}产品的生产"
    elif holder.trade.forms == "coop":
        what = f"{word}及产品初加工"
    else:
        what = SERVICE_SCOPES.get(word, f"{word}服务")
    return f"{what}及相关管理活动" if type_code in ("EMS", "OHSMS", "EnMS") else what


# ---------------------------------------------------------------------------------------------------- loading


@dataclass
class Tally:
    created: int = 0
    changes: int = 0
    expired: int = 0
    rejected: list[str] = field(default_factory=list)


def _chunks(items: Iterable[Any], size: int) -> Iterable[list[Any]]:
    iterator = iter(items)
    yield from iter(lambda: list(islice(iterator, size)), [])


def load(rt: Runtime, seed: int, records: Iterable[EnterpriseRecord], cb_rows: Sequence[dict[str, Any]],
         echo: Callable[[str], Any]) -> Tally:
    """Issue the planned certificates that are missing, CB by CB, then expire those past their date.

    Cost: about 3 ms a certificate on SQLite (2 cores), nearly all in the service's per-row writes (about eleven
    statements each: savepoints, the holder lookup, four inserts, the CB's report row), so about 95 s at scale 1.
    """
    today, at = rt.today(), rt.clock.now()
    planned, tally = plan(seed, records, cb_rows, today), Tally()
    by_cb: dict[str, list[Planned]] = defaultdict(list)
    for p in planned:
        by_cb[p.cb].append(p)
    with rt.db.read() as session:
        cb_ids = dict(session.execute(select(CertificationBody.cnca_number, CertificationBody.id)).all())
    seen = 0
    for cnca, items in by_cb.items():
        actor = Actor(None, "cb", f"demo:{cnca}", cb_ids[cnca])
        for chunk in _chunks(_missing(rt, cb_ids[cnca], items), CHUNK):
            with rt.db.begin() as session:
                _issue(session, actor, chunk, tally, at, today)
        if (seen + len(items)) // 5000 > seen // 5000 or seen + len(items) == len(planned):
            echo(f"  certificates {seen + len(items):,}/{len(planned):,}")
        seen += len(items)
    while done := _expire(rt, today, at):
        tally.expired += done
    return tally


def _expire(rt: Runtime, today: date, at: Any) -> int:
    with rt.db.begin() as session:
        return service.expire_due(session, today, at)


def _missing(rt: Runtime, cb_id: int, items: list[Planned]) -> list[Planned]:
    with rt.db.read() as session:
        refs = set(session.scalars(select(Certificate.cb_ref).where(Certificate.cb_id == cb_id)))
        keys = {domain.normalize_number(p.number) for p in items}
        taken: set[str] = set()
        for chunk in _chunks(sorted(keys), 900):
            taken |= set(session.scalars(select(Certificate.number_key).where(Certificate.number_key.in_(chunk))))
    return [p for p in items if p.cb_ref not in refs and domain.normalize_number(p.number) not in taken]


def _issue(session: Any, actor: Actor, chunk: list[Planned], tally: Tally, at: Any, today: date) -> None:
    # Held in the session's identity map, the CB is not read again per certificate (a tenth of the cost).
    cb = session.get(CertificationBody, actor.tenant_id)
    outcomes = service.upsert_many(session, actor, [p.as_input() for p in chunk], at, today)
    del cb
    for outcome, p in zip(outcomes, chunk, strict=True):
        if outcome.outcome != "created":
            tally.rejected.append(f"{p.number}: {outcome.code} {outcome.en}")
            continue
        tally.created += 1
        tally.changes += len(p.steps)
        if len(p.steps) > 1:
            for step in p.steps:
                service.change_status(session, actor, outcome.id, step.action, step.reason_code, step.on, None,
                                      at, today)


# ---------------------------------------------------------------------------------------------------- forgeries


@dataclass(frozen=True)
class Forgery:
    """A lookup the public pages expose as suspicious: ``number`` presented as belonging to ``claimed``."""

    number: str
    claimed: str
    verdict: str  # unknown_number | holder_mismatch
    lookups: int  # how many times the build looks it up (signals sort by count)


def forged(rt: Runtime, seed: int) -> list[Forgery]:
    """A handful of forged certificates for the demo, deterministic for the seed and the database's certificates:
    three numbers that do not exist (a CCC and a QMS number a serial off real ones, a CCC number with CQC's CB
    code, which no demo CB uses) and two real numbers shown with another company's name.
    Empty when there are no valid certificates."""
    rng = rng_for(seed, "forged")
    with rt.db.read() as session:
        valid = session.execute(select(Certificate.number_key, Certificate.type_code, Certificate.holder_name)
                                .where(Certificate.status == "valid").order_by(Certificate.number_key)).all()
        names = list(session.scalars(select(Enterprise.name).where(Enterprise.entity_type == "enterprise")
                                     .order_by(Enterprise.uscc).limit(200)))
        if not valid or not names:
            return []
        exists = set(session.scalars(select(Certificate.number_key)))
    ccc = [v for v in valid if v.type_code == "CCC"] or valid
    ms = [v for v in valid if v.type_code == "QMS"] or valid
    real_ccc, real_ms = rng.choice(ccc), rng.choice(ms)
    others = [n for n in names if domain.normalize_holder(n) not in
              {domain.normalize_holder(real_ccc.holder_name), domain.normalize_holder(real_ms.holder_name)}]
    unknown = [_unused(exists, real_ccc.number_key, rng), _unused(exists, real_ms.number_key, rng),
               _unused(exists, f"{rt.today().year - 1}010901{rng.randrange(10**6):06d}", rng)]
    return [Forgery(unknown[0], rng.choice(others), "unknown_number", 5),
            Forgery(unknown[1], "", "unknown_number", 3),
            Forgery(unknown[2], rng.choice(others), "unknown_number", 2),
            Forgery(real_ccc.number_key, rng.choice(others), "holder_mismatch", 4),
            Forgery(real_ms.number_key, rng.choice(others), "holder_mismatch", 1)]


def _unused(exists: set[str], like: str, rng: random.Random) -> str:
    """``like`` with the last four digits of its serial changed, so that no certificate has it."""
    parts = domain.parse_number(like).parts  # of a CNCA number, keep the cycle and size after the serial
    end = 5 + len(parts["type_letters"]) + len(parts["serial"]) if "type_letters" in parts else len(like)
    digits = [i for i, ch in enumerate(like[:end]) if ch.isdigit()][-4:]
    while True:
        chars = list(like)
        for i in digits:
            chars[i] = str(rng.randrange(10))
        candidate = "".join(chars)
        if candidate not in exists:
            return candidate


def look_up_forgeries(rt: Runtime, forgeries: list[Forgery]) -> int:
    """Look each forgery up through public verification (``lookups`` times), so the console's counterfeit-signal
    page has rows; skipped when any of them was recorded before (a re-run adds nothing). Returns the lookups."""
    keys = [domain.normalize_number(f.number) for f in forgeries]
    with rt.db.begin() as session:
        if not keys or session.scalar(select(func.count()).select_from(CounterfeitSignal)
                                      .where(CounterfeitSignal.number_key.in_(keys))):
            return 0
        for f in forgeries:
            for _ in range(f.lookups):
                verification.verify(session, f.number, f.claimed or None, rt.today(), rt.clock.now())
    return sum(f.lookups for f in forgeries)

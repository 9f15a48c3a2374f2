"""Drawing helpers for the demo generators: weighted picks, synthetic people, and unique USCCs without memory.

Pure and deterministic: every function takes the ``random.Random`` to draw from. Nothing here is real data —
names, phone numbers and ID numbers are assembled from parts and only *look* plausible (an ID number has a valid
GB 11643 check digit so that validators accept it).
"""

from __future__ import annotations

import bisect
import itertools
import random
from collections.abc import Sequence
from datetime import date, timedelta
from typing import Generic, TypeVar

from zhiliang.demo.words import GIVEN, SURNAMES
from zhiliang.registry import uscc

T = TypeVar("T")

ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK = "10X98765432"
ORG_CHECK_CHARS = "0123456789X"
_NUMERALS = "零一二三四五六七八九"
_USCC_SPACE = len(uscc.ALPHABET) ** 8
_ORG_VALUE = [int(c) if c.isdigit() else ord(c) - ord("A") + 10 for c in uscc.ALPHABET]  # GB 11714 values
_BODY_WEIGHTS = uscc.USCC_WEIGHTS[8:16]


def rng_for(seed: int, kind: str) -> random.Random:
    """The generator of one kind of record for ``seed``: ``Random("zhiliang-demo:<seed>:<kind>")``."""
    return random.Random(f"zhiliang-demo:{seed}:{kind}")


class Weighted(Generic[T]):
    """Items with weights; :meth:`pick` costs one ``rng.random()`` and a bisection, whatever the weights."""

    def __init__(self, pairs: Sequence[tuple[T, float]]) -> None:
        self.items = [item for item, _ in pairs]
        self.cumulative = list(itertools.accumulate(weight for _, weight in pairs))
        self.total = self.cumulative[-1]

    def pick(self, rng: random.Random) -> T:
        return self.items[bisect.bisect_right(self.cumulative, rng.random() * self.total)]


def zipf(items: Sequence[T], exponent: float = 0.9) -> Weighted[T]:
    """Items weighted 1/(rank+2)^exponent: the first few are common, the long tail still appears."""
    return Weighted([(item, 1 / (rank + 2) ** exponent) for rank, item in enumerate(items)])


_SURNAME = zipf(SURNAMES, 0.8)
_GIVEN = zipf(GIVEN, 0.5)


def person_name(rng: random.Random) -> str:
    """A synthetic Chinese name: a common surname and one or two given-name characters (60 % two)."""
    given = _GIVEN.pick(rng) + (_GIVEN.pick(rng) if rng.random() < 0.6 else "")
    return _SURNAME.pick(rng) + given


def phone(rng: random.Random) -> str:
    """A synthetic mobile number: ``1``, a second digit 3–9 and nine more digits (11 digits in all)."""
    return "1" + rng.choice("3456789") + f"{rng.randrange(10**9):09d}"


def id_number(rng: random.Random, region: str, born_from: int = 1965, born_to: int = 1998) -> str:
    """A synthetic 18-digit resident ID number: region (6), birth date (8), sequence (3), GB 11643 check digit."""
    first = date(born_from, 1, 1)
    born = first + timedelta(days=int(rng.random() * ((date(born_to, 12, 31) - first).days + 1)))
    body = f"{region}{born:%Y%m%d}{rng.randrange(1000):03d}"
    return body + id_check_digit(body)


def id_check_digit(body17: str) -> str:
    """GB 11643-1999 check character of the first 17 digits: ``10X98765432[Σ digit·weight mod 11]``."""
    return ID_CHECK[sum(int(d) * w for d, w in zip(body17, ID_WEIGHTS, strict=True)) % 11]


def numeral(n: int) -> str:
    """Chinese numeral for 1 ≤ n ≤ 99 (二, 十, 十二, 二十, 九十九), as in 第二分公司."""
    if not 1 <= n <= 99:
        raise ValueError(f"numeral() covers 1–99, got {n}")
    tens, ones = divmod(n, 10)
    head = "" if tens == 0 else ("十" if tens == 1 else _NUMERALS[tens] + "十")
    return head + (_NUMERALS[ones] if ones else "")


class CodeMaker:
    """USCCs that are unique by construction, so millions can be streamed without remembering them.

    The organisation body (positions 9–16) of the i-th code is a seeded bijection of ``i`` on [0, 31^8): an
    affine map, a reversal of the base-31 digits, and a second affine map. Distinct ``i`` give distinct bodies,
    hence distinct codes whatever the division or entity type; the digits still look random.
    """

    def __init__(self, rng: random.Random) -> None:
        self.keys = [self._key(rng), self._key(rng)]
        self._heads: dict[str, int] = {}

    @staticmethod
    def _key(rng: random.Random) -> tuple[int, int]:
        multiplier = rng.randrange(1, _USCC_SPACE)
        while multiplier % 31 == 0:  # must be coprime to 31^8 to be a bijection
            multiplier = rng.randrange(1, _USCC_SPACE)
        return multiplier, rng.randrange(_USCC_SPACE)

    def digits(self, i: int) -> list[int]:
        """The i-th body as eight indexes into ``uscc.ALPHABET`` (i in [0, 31^8))."""
        (a, b), (c, d) = self.keys
        x = (a * i + b) % _USCC_SPACE
        reversed_digits = 0
        for _ in range(8):
            x, r = divmod(x, 31)
            reversed_digits = reversed_digits * 31 + r
        x = (c * reversed_digits + d) % _USCC_SPACE
        out = []
        for _ in range(8):
            x, r = divmod(x, 31)
            out.append(r)
        return out

    def body(self, i: int) -> str:
        return "".join(uscc.ALPHABET[d] for d in self.digits(i))

    def code(self, i: int, entity_type: str, division: str, pilot: bool = False) -> str:
        """The i-th code (department 9 = 市场监管). ``pilot`` breaks only the embedded GB 11714 check.

        A pilot code has a wrong organisation check character but a correct GB 32100 check character computed
        over the altered first 17 characters, like codes issued in the 2015–2016 pilot period. Raises ValueError
        for an entity type outside ``uscc.ALPHABET`` or a division that is not 6 digits.
        """
        digits = self.digits(i)
        body = "".join(uscc.ALPHABET[d] for d in digits)
        if pilot:
            good = uscc.org_check_digit(body)
            wrong = ORG_CHECK_CHARS[(ORG_CHECK_CHARS.index(good) + 1 + i % 10) % len(ORG_CHECK_CHARS)]
            first17 = "9" + entity_type + division + body + wrong
            return first17 + uscc.check_digit(first17)
        # Same result as uscc.make("9", entity_type, division, body) (the tests compare them), computed from
        # the digits at hand: make() re-validates and re-parses its input, a third of the cost of a big CSV.
        org = 11 - sum(_ORG_VALUE[v] * w for v, w in zip(digits, uscc.ORG_WEIGHTS, strict=False)) % 11
        org_char = "X" if org == 10 else "0" if org == 11 else str(org)
        total = (self._head_sum(entity_type, division) + sum(v * w for v, w in zip(digits, _BODY_WEIGHTS, strict=False))
                 + uscc.ALPHABET.index(org_char) * uscc.USCC_WEIGHTS[16])
        return "9" + entity_type + division + body + org_char + uscc.ALPHABET[(31 - total % 31) % 31]

    def _head_sum(self, entity_type: str, division: str) -> int:
        key = entity_type + division
        if key not in self._heads:
            if len(entity_type) != 1 or entity_type not in uscc.ALPHABET or not division.isdigit() \
                    or len(division) != 6:
                raise ValueError(f"bad entity type {entity_type!r} or division {division!r}")
            head = "9" + key
            weights = uscc.USCC_WEIGHTS[:8]
            self._heads[key] = sum(uscc.ALPHABET.index(c) * w for c, w in zip(head, weights, strict=True))
        return self._heads[key]

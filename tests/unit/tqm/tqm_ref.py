"""The SPC reference vectors (the copy of ../shared/vectors/spc_reference.json in tests/vectors, so a clone alone
runs the suite) and a comparison at printed precision, as the file's ``_meta.tolerance_advice`` asks."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

TESTS = Path(__file__).resolve().parents[2]
REF: dict[str, Any] = json.loads((TESTS / "vectors" / "spc_reference.json").read_text(encoding="utf-8"))
SHARED = TESTS.parents[1] / "shared" / "vectors" / "spc_reference.json"


def printed_tolerance(printed: float, digits: int = 7) -> float:
    """Half a unit in the last of ``digits`` significant digits of ``printed`` (what "agrees as printed" means)."""
    if printed == 0:
        return 1e-12
    return 0.5 * 10 ** (math.floor(math.log10(abs(printed))) - digits + 1) * (1 + 1e-9)


def agrees(value: float, printed: float, digits: int = 7) -> bool:
    return abs(value - printed) <= printed_tolerance(printed, digits)


def decimals_agree(value: float, printed: float, decimals: int) -> bool:
    """``value`` rounds to ``printed`` at ``decimals`` places (for values printed to a fixed number of decimals)."""
    return abs(value - printed) <= 0.5 * 10**-decimals * (1 + 1e-9)

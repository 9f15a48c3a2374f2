"""Quality-tools benchmark: an X̄-R chart with all eight Nelson rules on 1,000,000 subgroups of 5, and process
capability on 10,000,000 values, against the Python SPC packages that install (issue 9, point 6).

One command (from the project root; the peers are in the ``bench`` extra)::

    .venv/bin/pip install -e '.[bench]'
    .venv/bin/python benchmarks/tqm.py                       # 1,000,000 subgroups, 10,000,000 values
    .venv/bin/python benchmarks/tqm.py --subgroups 100000 --values 1000000    # a quick look

Writes ``benchmarks/results/tqm.json`` and prints a table. Ours is ``zhiliang.tqm``: ``charts.xbar_r`` (limits of
both charts) then ``rules.check_chart`` with the eight Nelson rules on the X̄ chart and rule 1 on the R chart;
``capability.capability`` (Cp, Cpk, Pp, Ppk, Cpm with confidence intervals, expected and observed fractions, the
normality test). Best of ``--repeat`` runs, in this process, on the same arrays the peers get.

Peers, measured in the same run on the same data:

- ``pyspc`` 0.4: its X̄-R chart (``xbar_rbar`` and ``rbar`` layers: limits from the A2/D3/D4 tables) and its two
  rules (beyond the limits; 7 on one side). It has no other Nelson rule.
- ``NelsonCheck`` 0.4: all eight Nelson rules on a series with given centre line and limits (pandas). It computes no
  limits, so the pipeline "pyspc limits + NelsonCheck rules" is the peer that does the whole job.
- ``manufacturing`` 1.6: ``calc_pp`` and ``calc_ppk`` (overall indices only; no within σ, no intervals) for
  capability.

A peer too slow for the full size is timed on the first ``--peer-subgroups`` subgroups and scaled linearly (its
loops are per point), which the JSON notes say. Agreement: pyspc's limits equal ours within the rounding of its
3-decimal tables; pyspc's beyond-limits points equal our N1 on its own limits; for each Nelson rule, the points of
every pattern we report (the pattern's window ending at each reported point) equal the offenders NelsonCheck lists
on the same limits. Where NelsonCheck's definitions differ, the difference is accounted for: its rule 3 asks for 7
points (6 rises) where Nelson (1984) asks for 6, so rule 3 is compared at its length, computed from our flags; its
rules 7 and 8 do not ask for points on both sides, and its rule 7 also counts runs of 15 points outside the 1σ band,
so there our points must be among its offenders and each of its other runs be so explained. Capability Pp and Ppk
equal manufacturing's.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from importlib import metadata
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

import numpy as np

from zhiliang.tqm import charts, rules
from zhiliang.tqm.capability import capability

WINDOWS = {"N2": 9, "N4": 14, "N7": 15, "N8": 8}  # patterns whose every point lies in the window
ZONES = {"N5": (2.0, 3), "N6": (1.0, 5)}  # k of m beyond a zone: the beyond points of the window


def best(fn: Any, repeat: int) -> tuple[float, Any]:
    times, out = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - start)
    return min(times), out


def make_data(m: int, n: int, seed: int) -> np.ndarray:
    """Subgroups of a process at 74 mm, σ 0.01, with shifts, a trend and an oscillation here and there so that
    every rule has something to find."""
    rng = np.random.default_rng(seed)
    x = rng.normal(74.0, 0.01, size=(m, n))
    for start in range(1000, m, 50_000):
        x[start:start + 12] += 0.012                                  # a sustained shift
        x[start + 100:start + 108] += np.linspace(0, 0.03, 8)[:, None]  # a trend
        x[start + 300:start + 316] += np.where(np.arange(16) % 2, 0.012, -0.012)[:, None]  # oscillation
        x[start + 500] += 0.05                                        # one outlier
    return x


def ours_chart(data: np.ndarray) -> dict[str, Any]:
    pair = charts.xbar_r(data)
    report = rules.check_chart(pair.location, rules=rules.NELSON)
    r_report = rules.check_chart(pair.dispersion, rules=("N1",))
    return {"pair": pair, "flags": report.flags, "r_flags": r_report.flags}


class _Axes:
    """pyspc's rules draw each violating point on a matplotlib axes; the benchmark gives them one that draws nothing."""

    def plot(self, *args: Any, **kwargs: Any) -> None:
        return None


def pyspc_chart(data: np.ndarray) -> dict[str, Any]:
    from pyspc import rules as pyspc_rules  # the package exports the class under the module's name
    from pyspc.ccharts.xbar_rbar import rbar, xbar_rbar

    xbar, center, lcl, ucl, _ = xbar_rbar().plot(data, data.shape[1])
    ranges, rcenter, rlcl, rucl, _ = rbar().plot(data, data.shape[1])
    checker = pyspc_rules()
    beyond = checker.RULE_1_BEYOND_3SIGMA(_Axes(), xbar, center, lcl, ucl)
    seven = checker.RULE_7_ON_ONE_SIDE(_Axes(), xbar, center, lcl, ucl)
    r_beyond = checker.RULE_1_BEYOND_3SIGMA(_Axes(), ranges, rcenter, rlcl, rucl)
    return {"xbar": (center, lcl, ucl), "r": (rcenter, rlcl, rucl), "beyond": beyond, "seven": seven,
            "r_beyond": r_beyond}


def nelsoncheck(series: np.ndarray, center: float, lcl: float, ucl: float) -> dict[str, set[int]]:
    from NelsonCheck.NelsonCheck import NelsonCheck

    found = NelsonCheck(series, CL=center, LCL=lcl, UCL=ucl)
    return {f"N{v.rule.num}": set(int(i) for i in v.offenders.index) for v in found.violations}


def pattern_points(flags: dict[str, np.ndarray], x: np.ndarray, z: np.ndarray) -> dict[str, set[int]]:
    """The points of every pattern we report, as NelsonCheck lists offenders."""
    out: dict[str, set[int]] = {"N1": set(int(i) for i in flags["N1"])}
    for rule, width in WINDOWS.items():
        out[rule] = {j for i in flags[rule] for j in range(max(0, i - width + 1), i + 1)}
    for rule, (level, width) in ZONES.items():
        points = set()
        for i in flags[rule]:
            side = np.sign(z[i])
            points |= {j for j in range(max(0, i - width + 1), i + 1) if z[j] * side > level}
        out[rule] = points
    # N3 at NelsonCheck's length: runs of at least 6 rises (or falls); NelsonCheck lists the points after each step.
    d = np.diff(x)
    rising = np.concatenate(([0], rules._run_length(d > 0)))
    falling = np.concatenate(([0], rules._run_length(d < 0)))
    ends = np.flatnonzero((rising >= 6) | (falling >= 6))
    out["N3"] = {j for i in ends for j in range(i - max(rising[i], falling[i]) + 1, i + 1)}
    return out


def _explained(points: set[int], z: np.ndarray, rule: str) -> bool:
    """True when every run of consecutive ``points`` that NelsonCheck lists and we do not is explained by its
    definition: on one side of the centre line (it does not ask for both sides), or, for rule 7, wholly outside
    the 1σ band (it counts every run of 15 points, inside the band or not)."""
    ordered = sorted(points)
    runs = np.split(np.asarray(ordered, dtype=np.int64), np.flatnonzero(np.diff(ordered) != 1) + 1) if ordered else []
    return all(abs(np.sign(z[run]).sum()) == run.size or (rule == "N7" and bool((np.abs(z[run]) > 1).all()))
               for run in runs)


def compare_rules(ours: dict[str, set[int]], theirs: dict[str, set[int]], z: np.ndarray) -> dict[str, bool]:
    """Per rule, whether the points agree. NelsonCheck's rules 7 and 8 do not ask for points on both sides of the
    centre line (Nelson 1984 does): there, its extra points must be whole runs lying on one side."""
    out = {}
    for rule in rules.NELSON:
        mine, other = ours.get(rule, set()), theirs.get(rule, set())
        if rule in ("N7", "N8"):
            out[rule] = bool(mine <= other and _explained(other - mine, z, rule))
        else:
            out[rule] = bool(mine == other)
    return out


def versions() -> dict[str, str]:
    out = {"python": platform.python_version(), "numpy": np.__version__}
    for name in ("scipy", "pandas", "pyspc", "nelsoncheck", "manufacturing", "zhiliang"):
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subgroups", type=int, default=1_000_000)
    parser.add_argument("--size", type=int, default=5)
    parser.add_argument("--values", type=int, default=10_000_000)
    parser.add_argument("--peer-subgroups", type=int, default=200_000,
                        help="NelsonCheck runs on this many subgroups and is scaled linearly")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "tqm.json")
    args = parser.parse_args()
    notes: list[str] = []

    data = make_data(args.subgroups, args.size, args.seed)
    ours_s, ours = best(lambda: ours_chart(data), args.repeat)
    loc = ours["pair"].location
    center, lcl, ucl, sigma = float(loc.center[0]), float(loc.lcl[0]), float(loc.ucl[0]), float(loc.sigma[0])
    print(f"ours X̄-R + 8 Nelson rules, {args.subgroups:,} subgroups: {ours_s:.3f} s")

    pyspc_s, theirs = best(lambda: pyspc_chart(data), 1)
    print(f"pyspc X̄-R + its 2 rules: {pyspc_s:.2f} s")
    half = ucl - center
    limits_agree = bool(abs(theirs["xbar"][0] - center) < 1e-9 and abs(theirs["xbar"][2] - ucl) < 1e-3 * half
                    and abs(theirs["r"][2] - float(ours["pair"].dispersion.ucl[0])) < 1e-3 * half)
    beyond_theirs = rules.check(loc.statistic, theirs["xbar"][0], (theirs["xbar"][2] - theirs["xbar"][0]) / 3,
                                rules=("N1",)).flags["N1"]
    pyspc_n1_agree = set(theirs["beyond"]) == set(int(i) for i in beyond_theirs)

    m = min(args.peer_subgroups, args.subgroups)
    series = np.asarray(loc.statistic[:m])
    nelson_s, nc = best(lambda: nelsoncheck(series, center, lcl, ucl), 1)
    scale = args.subgroups / m
    if m < args.subgroups:
        notes.append(f"NelsonCheck timed on the first {m:,} subgroups and scaled linearly x{scale:g} to "
                     f"{args.subgroups:,} (pandas row-wise apply for rule 4; measured {nelson_s:.2f} s)")
    nelson_full_s = nelson_s * scale
    print(f"NelsonCheck 8 rules on {m:,} points: {nelson_s:.2f} s (scaled: {nelson_full_s:.1f} s)")
    sub_flags = rules.check(series, center, sigma, rules=rules.NELSON).flags
    z = (series - center) / sigma
    per_rule = compare_rules(pattern_points(sub_flags, series, z), nc, z)
    pipeline_s = pyspc_s + nelson_full_s

    values = data.ravel()[: args.values] if args.values <= data.size else np.random.default_rng(args.seed + 1).normal(
        74.0, 0.01, args.values)
    cap_s, cap = best(lambda: capability(values, lsl=73.95, usl=74.05), args.repeat)
    from manufacturing.analysis import calc_pp, calc_ppk

    manufacturing_s, (pp, ppk) = best(lambda: (calc_pp(values, 74.05, 73.95), calc_ppk(values, 74.05, 73.95)), 1)
    capability_agree = bool(abs(cap.pp.value - pp) < 1e-9 * pp and abs(cap.ppk.value - ppk) < 1e-9 * ppk)
    print(f"capability on {values.size:,} values: ours {cap_s:.3f} s, manufacturing (Pp, Ppk only) "
          f"{manufacturing_s:.3f} s")

    peers = {"pyspc + NelsonCheck (limits, 8 rules)": pipeline_s}
    fastest = min(peers.values())
    agree = limits_agree and pyspc_n1_agree and all(per_rule.values()) and capability_agree
    notes += [
        "pyspc alone has only 2 rules (beyond the limits, 7 on one side); it is timed at full size, and its limits "
        "and beyond-limit points are compared with ours. The complete peer is pyspc's limits plus NelsonCheck's 8 "
        "rules.",
        "NelsonCheck's rule 3 needs 7 points (6 rises or falls) where Nelson (1984) and ours need 6; rule 3 is "
        "compared at NelsonCheck's length. Its rules 7 and 8 do not ask for points on both sides of the centre "
        "line, and its rule 7 counts every run of 15 points, inside the 1σ band or outside it: there our points "
        "must be among its offenders, and each of its other runs be one-sided (or, rule 7, wholly outside 1σ).",
        "pyspc's limits use 3-decimal tables (A2 = 0.577): agreement within 0.1 % of the half-width.",
        "manufacturing computes Pp and Ppk only (plus a normality test in calc_pp); ours also computes Cp, Cpk, Cpm "
        "with confidence intervals, expected and observed fractions and the normality test.",
    ]
    report = {
        "xbar_r_nelson_s": round(ours_s, 4),
        "fastest_peer_s": round(fastest, 3),
        "vs_fastest_peer": round(fastest / ours_s, 1),
        "capability_10m_s": round(cap_s, 4),
        "results_agree": bool(agree),
        "subgroups": args.subgroups, "subgroup_size": args.size, "capability_values": int(values.size),
        "peers": {"pyspc_xbar_r_2_rules_s": round(pyspc_s, 3), "nelsoncheck_8_rules_s": round(nelson_full_s, 3),
                  "nelsoncheck_measured_s": round(nelson_s, 3), "nelsoncheck_subgroups": m,
                  "pipeline_pyspc_nelsoncheck_s": round(pipeline_s, 3),
                  "manufacturing_pp_ppk_s": round(manufacturing_s, 4)},
        "vs_pyspc_alone": round(pyspc_s / ours_s, 1),
        "capability_vs_manufacturing": round(manufacturing_s / cap_s, 2),
        "agreement": {"limits_vs_pyspc": limits_agree, "beyond_limits_vs_pyspc": pyspc_n1_agree,
                      "rules_vs_nelsoncheck": per_rule, "capability_vs_manufacturing": capability_agree},
        "signals": {rule: int(len(flags)) for rule, flags in ours["flags"].items()},
        "notes": notes,
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform(), "processor": platform.processor()},
        "versions": versions(),
        "repeat": args.repeat,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"{'figure':<26}{'value':>14}")
    for key in ("xbar_r_nelson_s", "fastest_peer_s", "vs_fastest_peer", "capability_10m_s", "results_agree"):
        print(f"{key:<26}{report[key]!s:>14}")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()

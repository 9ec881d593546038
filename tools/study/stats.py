"""Signal-detection statistics of shoot / don't-shoot decisions (docs/studies.md).

A trial with an armed subject is a signal: a shot is a hit, no shot a miss; with an
unarmed subject a shot is a false alarm, no shot a correct rejection. Rates are the plain
proportions; d′ = z(H) − z(F) and c = −(z(H) + z(F)) / 2 use the log-linear correction
(count + 0.5) / (n + 1) (Hautus 1995), so 0 and 1 never reach z. Differences between two
groups come with 95 % confidence intervals: for d′ and c from the delta-method variance of
z (Gourevitch & Galanter 1967, on the corrected rates), for rates from the Wald variance,
for median latencies from a seeded bootstrap. The mixed model (statsmodels) is in
`mixed_model`; it is only fitted when there is enough data, else it says why not.
"""

from __future__ import annotations

import math
from statistics import NormalDist, median

import numpy as np

Z = NormalDist()
Z95 = Z.inv_cdf(0.975)
SMALL_CELL = 5  # fewer signal or noise trials than this in a group: too small to say much


def loglinear(count: int, n: int) -> float:
    return (count + 0.5) / (n + 1)


def sdt(hits: int, misses: int, false_alarms: int, correct_rejections: int) -> dict:
    """The group's figures under the names of the report's JSON."""
    n_s, n_n = hits + misses, false_alarms + correct_rejections
    h, f = loglinear(hits, n_s), loglinear(false_alarms, n_n)
    zh, zf = Z.inv_cdf(h), Z.inv_cdf(f)
    return {
        "trials": n_s + n_n,
        "hits": hits,
        "misses": misses,
        "false_alarms": false_alarms,
        "correct_rejections": correct_rejections,
        "hit_rate": hits / n_s if n_s else None,
        "fa_rate": false_alarms / n_n if n_n else None,
        "d_prime": zh - zf,
        "c": -(zh + zf) / 2,
    }


def _var_z(rate: float, n: int) -> float:
    """Variance of z(rate) for a rate from n trials (delta method)."""
    return rate * (1 - rate) / (max(n, 1) * Z.pdf(Z.inv_cdf(rate)) ** 2)


def _ci(diff: float, se: float) -> list[float]:
    return [diff - Z95 * se, diff + Z95 * se]


def difference(a: dict, b: dict, lat_a: list[float], lat_b: list[float]) -> dict:
    """a minus b, each figure with its 95 % interval [low, high]."""
    out: dict = {}
    va, vb = [], []
    for g, v in ((a, va), (b, vb)):
        n_s, n_n = g["hits"] + g["misses"], g["false_alarms"] + g["correct_rejections"]
        v.append(_var_z(loglinear(g["hits"], n_s), n_s))
        v.append(_var_z(loglinear(g["false_alarms"], n_n), n_n))
    d = a["d_prime"] - b["d_prime"]
    out["d_prime"] = {"diff": d, "ci95": _ci(d, math.sqrt(sum(va) + sum(vb)))}
    c = a["c"] - b["c"]
    out["c"] = {"diff": c, "ci95": _ci(c, 0.5 * math.sqrt(sum(va) + sum(vb)))}
    for key, num, den in (
        ("hit_rate", "hits", "misses"),
        ("fa_rate", "false_alarms", "correct_rejections"),
    ):
        if a[key] is None or b[key] is None:
            out[key] = None
            continue
        na, nb = a[num] + a[den], b[num] + b[den]
        se = math.sqrt(a[key] * (1 - a[key]) / na + b[key] * (1 - b[key]) / nb)
        out[key] = {"diff": a[key] - b[key], "ci95": _ci(a[key] - b[key], se)}
    out["latency_ms_median"] = median_diff(lat_a, lat_b)
    return out


def median_diff(a: list[float], b: list[float], n_boot: int = 2000, seed: int = 0) -> dict | None:
    """Difference of medians with a percentile bootstrap interval (seeded: reproducible)."""
    if not a or not b:
        return None
    rng = np.random.default_rng(seed)
    aa, bb = np.asarray(a, float), np.asarray(b, float)
    boots = np.median(rng.choice(aa, (n_boot, len(aa))), axis=1) - np.median(
        rng.choice(bb, (n_boot, len(bb))), axis=1
    )
    lo, hi = np.percentile(boots, [2.5, 97.5])
    return {"diff": median(a) - median(b), "ci95": [float(lo), float(hi)]}


def group(trials: list[dict]) -> dict:
    """The figures of one group of trials (dicts with armed, shot, latency_ms)."""
    hits = sum(1 for t in trials if t["armed"] and t["shot"])
    misses = sum(1 for t in trials if t["armed"] and not t["shot"])
    fas = sum(1 for t in trials if not t["armed"] and t["shot"])
    crs = sum(1 for t in trials if not t["armed"] and not t["shot"])
    out = sdt(hits, misses, fas, crs)
    lats = correct_latencies(trials)
    out["latency_ms_median"] = median(lats) if lats else None
    if min(hits + misses, fas + crs) < SMALL_CELL:
        out["warning"] = (
            f"only {hits + misses} armed and {fas + crs} unarmed trials: too few to say anything "
            "about this group on its own"
        )
    return out


def correct_latencies(trials: list[dict]) -> list[float]:
    return [
        t["latency_ms"] for t in trials if t["armed"] and t["shot"] and t["latency_ms"] is not None
    ]


MIN_MODEL_TRIALS = 64
MIN_MODEL_TRAINEES = 2


def mixed_model(trials: list[dict], factors: tuple[str, ...]) -> dict:
    """Latency of correct shots ~ factors, random intercepts for trainee and (as a variance
    component) for subject actor; and the decision (shot, 0/1) ~ armed × factors as a
    linear probability model with the same random effects. Fitted only with at least
    MIN_MODEL_TRIALS trials from MIN_MODEL_TRAINEES trainees; otherwise `warning` says so."""
    trainees = {t["trainee"] for t in trials}
    if len(trials) < MIN_MODEL_TRIALS or len(trainees) < MIN_MODEL_TRAINEES:
        return {
            "fitted": False,
            "warning": (
                f"no mixed model: {len(trials)} trials from {len(trainees)} trainee(s); it needs "
                f"at least {MIN_MODEL_TRIALS} trials from {MIN_MODEL_TRAINEES} trainees"
            ),
        }
    import warnings

    import pandas as pd
    import statsmodels.formula.api as smf

    rows = [
        {
            **{f: t["attributes"].get(f, "") for f in factors},
            "armed": int(t["armed"]),
            "shot": int(t["shot"]),
            "latency_ms": t["latency_ms"],
            "trainee": t["trainee"],
            "actor": t["actor"],
        }
        for t in trials
    ]
    df = pd.DataFrame(rows)
    rhs = " + ".join(f"C({f})" for f in factors)
    out: dict = {"fitted": True, "models": {}}
    specs = {
        "latency_ms": ("latency_ms ~ " + rhs, df[(df.armed == 1) & (df.shot == 1)]),
        "shot": ("shot ~ armed * (" + rhs + ")", df),
    }
    for name, (formula, data) in specs.items():
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                fit = smf.mixedlm(
                    formula, data, groups=data["trainee"], vc_formula={"actor": "0 + C(actor)"}
                ).fit(reml=True)
            ci = fit.conf_int()
            out["models"][name] = {
                "formula": formula + " + (1 | trainee) + (1 | actor)",
                "n": int(len(data)),
                "coefficients": {
                    k: {
                        "estimate": float(fit.params[k]),
                        "ci95": [float(ci.loc[k, 0]), float(ci.loc[k, 1])],
                        "p": float(fit.pvalues[k]),
                    }
                    for k in fit.fe_params.index
                },
                "converged": bool(fit.converged),
            }
        except Exception as exc:  # a singular design is a finding, not a crash
            out["models"][name] = {
                "formula": formula,
                "error": f"{type(exc).__name__}: {exc}"[:200],
            }
    return out

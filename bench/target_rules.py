"""Which retraining target rule leaves the least seed noise in the records? The same family, the same
shifts, each rule in turn.

A record's epochs should be a property of its case (model, shift, level), not of its seed. For each
rule this runs one family's calibration sweep (or reads records already made with it) and reports the
seed ICC of epochs (the share of the variance between cases; 1 - ICC is seed noise), on log(1 + epochs)
too, the censored runs, and the noise ceiling (each run predicted by the other seeds of its case).

Rules: "reachable" (each run's target is 0.97 x its own best: the run moves its own goal), "case"
(one target per case: 0.97 x the first seed's fine-tuned best, or the from-scratch best, minus two
standard errors of the validation slice), "case-nomargin" (the same without the margin).

    .venv/bin/python bench/target_rules.py --family digits-mlp --rules reachable case case-nomargin --json
    .venv/bin/python bench/target_rules.py --records reachable=a.csv case=b.csv
"""

from __future__ import annotations

import argparse
import json
import pathlib
import sys
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from resque_core.forecast.ceiling import noise_ceiling  # noqa: E402
from resque_core.forecast.records import load_records_csv  # noqa: E402

RULES = {"reachable": ("reachable", True), "case": ("case", True), "case-nomargin": ("case", False)}


def sweep(family: str, rule: str, minutes: float, out: pathlib.Path) -> pd.DataFrame:
    """One family's sweep under ``rule``, its records written to ``out``."""
    from resque_core.calibration import campaigns
    from resque_core.calibration.library import get_family

    spec = get_family(family)
    target_rule, margin = RULES[rule]
    cfg = spec.sweep_config(target_rule=target_rule, case_margin=margin, max_minutes=minutes)
    result = campaigns.family_sweep(spec, cfg, None)
    frame = campaigns.records_frame(result)
    frame.to_csv(out, index=False)
    return frame


def seed_noise(frame: pd.DataFrame) -> dict:
    """Seed ICC, censoring and noise ceiling of the distribution-shift retraining runs."""
    runs = frame[(frame["run_kind"] == "retrain") & (frame["index_kind"] == "dist")]
    ceiling = noise_ceiling(runs["epochs"].to_numpy(dtype=float), runs["shift"].astype(str).to_numpy())
    return {
        "n_runs": len(runs),
        "n_cases": int(runs["shift"].nunique()),
        "n_censored": int(runs["censored"].sum()),
        "censored_by_seed": {int(k): int(v) for k, v in runs.groupby("seed")["censored"].sum().items()},
        "median_epochs": float(np.median(runs["epochs"])),
        "seed_icc_epochs": ceiling.icc,
        "seed_icc_log_epochs": ceiling.icc_log,
        "ceiling_spearman_runs": ceiling.spearman_runs,
        "ceiling_mae_epochs": ceiling.mae_epochs,
        "target_rule": sorted(runs["target_rule"].dropna().astype(str).unique().tolist()),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--family", default="digits-mlp", help="library family to sweep (default digits-mlp)")
    parser.add_argument("--rules", nargs="+", choices=tuple(RULES), default=list(RULES))
    parser.add_argument("--records", nargs="+", metavar="RULE=CSV", help="read these records instead of sweeping")
    parser.add_argument("--minutes", type=float, default=28.0, help="budget of each sweep (default 28)")
    parser.add_argument("--out", default="bench/out", help="folder for the swept records (default bench/out)")
    parser.add_argument("--json", action="store_true", help="end with one JSON object")
    parser.add_argument("--threads", type=int, default=1, help="torch CPU threads (default 1)")
    args = parser.parse_args(argv)
    import torch

    torch.set_num_threads(args.threads)
    results = {}
    if args.records:
        for item in args.records:
            rule, _, path = item.partition("=")
            results[rule] = {"records": path, **seed_noise(load_records_csv(path))}
    else:
        folder = pathlib.Path(args.out)
        folder.mkdir(parents=True, exist_ok=True)
        for rule in args.rules:
            t0, path = time.monotonic(), folder / f"target_rule_{args.family}_{rule}.csv"
            frame = sweep(args.family, rule, args.minutes, path)
            results[rule] = {"records": str(path), "wall_s": time.monotonic() - t0, **seed_noise(frame)}
    for rule, r in results.items():
        print(
            f"{rule:14s} {r['n_runs']:4d} runs, {r['n_cases']:3d} cases, censored {r['n_censored']:3d} "
            f"{r['censored_by_seed']}; seed ICC {r['seed_icc_epochs']:.3f} (log {r['seed_icc_log_epochs']:.3f}); "
            f"ceiling Spearman {r['ceiling_spearman_runs']:.3f}, MAE {r['ceiling_mae_epochs']:.2f} epochs; "
            f"median {r['median_epochs']:.2f} epochs"
        )
    if args.json:
        print(json.dumps({"family": args.family, "rules": results}))
    return 0


if __name__ == "__main__":
    sys.exit(main())

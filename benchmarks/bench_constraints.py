"""Constraints: our Gaussian copula against SDV's, with and without them.

Both fit the same 80% split of loans (seed 0) with the same column types and
the same rules, which every real row keeps:

- ``balance <= loan_amount``, ``paid_principal <= paid_total``,
  ``paid_interest <= paid_total``, ``open_credit_lines <= total_credit_lines``
  (inequalities);
- ``(sub_grade, grade)`` only in pairs seen in training (fixed combinations).

For each library, once without the rules and once with them (ours:
``genesis.constraints``; SDV's: ``sdv.cag``), it prints fit seconds,
sampling rows/s (a second call, warm), the share of generated rows breaking
each rule, and the sdmetrics QualityReport score, then the ratios of ours
to SDV's with the rules. Run it in a venv that has both (``sdv`` and
``sdmetrics`` from PyPI):

    python benchmarks/bench_constraints.py
    python benchmarks/bench_constraints.py --rows 5000   # a quicker run
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import (
    discrete_columns,
    environment_line,
    load_split,
    quality_score,
    sdv_metadata_dict,
)

INEQUALITIES = [
    ("balance", "loan_amount"),
    ("paid_principal", "paid_total"),
    ("paid_interest", "paid_total"),
    ("open_credit_lines", "total_credit_lines"),
]
COMBINATION = ["sub_grade", "grade"]


def broken_shares(real: pd.DataFrame, synthetic: pd.DataFrame) -> dict[str, float]:
    """Share of synthetic rows breaking each rule (rows missing a side aside)."""
    shares = {}
    for low, high in INEQUALITIES:
        both = synthetic[low].notna() & synthetic[high].notna()
        broken = synthetic.loc[both, low] > synthetic.loc[both, high]
        shares[f"{low} <= {high}"] = float(broken.sum()) / len(synthetic)
    seen = set(map(tuple, real[COMBINATION].astype(str).to_numpy()))
    pairs = map(tuple, synthetic[COMBINATION].astype(str).to_numpy())
    unseen = sum(pair not in seen for pair in pairs)
    shares[f"({', '.join(COMBINATION)}) seen"] = unseen / len(synthetic)
    return shares


def check_real_rows(real: pd.DataFrame) -> None:
    """The rules hold in every real row, or the comparison means nothing."""
    shares = broken_shares(real, real)
    broken = {rule: share for rule, share in shares.items() if share}
    if broken:
        raise SystemExit(f"the real rows break {broken}; pick other rules")


def run_ours(train: pd.DataFrame, constrained: bool, seed: int) -> Any:
    from genesis import SyntheticGenerator
    from genesis.constraints import FixedCombinations, Inequality

    rules = (
        [Inequality(low, high) for low, high in INEQUALITIES]
        + [FixedCombinations(COMBINATION)]
        if constrained
        else None
    )
    generator = SyntheticGenerator(
        method="gaussian_copula", seed=seed, constraints=rules
    )
    return (
        lambda: generator.fit(
            train, discrete_columns=discrete_columns(train), progress=False
        ),
        lambda n: generator.generate(n),
    )


def run_sdv(train: pd.DataFrame, constrained: bool, seed: int) -> Any:
    from sdv.cag import FixedCombinations, Inequality
    from sdv.metadata import Metadata
    from sdv.single_table import GaussianCopulaSynthesizer

    table = "loans"
    metadata = Metadata.load_from_dict(sdv_metadata_dict(train, table))
    np.random.seed(seed)
    synthesizer = GaussianCopulaSynthesizer(metadata)
    if constrained:
        synthesizer.add_constraints(
            [
                Inequality(low_column_name=low, high_column_name=high)
                for low, high in INEQUALITIES
            ]
            + [FixedCombinations(column_names=COMBINATION)]
        )

    def sample(n: int) -> pd.DataFrame:
        out = synthesizer.sample(num_rows=n)
        return out[table] if isinstance(out, dict) else out

    return (lambda: synthesizer.fit({table: train}), sample)


def measure(
    name: str,
    runner: Callable[[pd.DataFrame, bool, int], Any],
    train: pd.DataFrame,
    constrained: bool,
    seed: int,
) -> dict[str, Any]:
    fit, sample = runner(train, constrained, seed)
    start = time.perf_counter()
    fit()
    fit_s = time.perf_counter() - start
    synthetic = sample(len(train))
    # The second call: first-call costs (imports, caches) left out on both sides.
    start = time.perf_counter()
    synthetic = sample(len(train))
    sample_s = time.perf_counter() - start
    return {
        "library": name,
        "rules": "with" if constrained else "without",
        "fit_s": fit_s,
        "rows_per_s": len(synthetic) / sample_s,
        "broken": broken_shares(train, synthetic),
        "quality": quality_score(train, synthetic)["overall"],
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--rows", type=int, default=None, help="train on this many rows of the split"
    )
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    warnings.filterwarnings("ignore")

    train, _ = load_split("loans")
    if args.rows is not None:
        train = train.sample(n=min(args.rows, len(train)), random_state=args.seed)
        train = train.reset_index(drop=True)
    check_real_rows(train)
    print(environment_line())
    print(f"loans: {len(train)} training rows, {train.shape[1]} columns\n")

    results = []
    for name, runner in (("ours", run_ours), ("sdv", run_sdv)):
        for constrained in (False, True):
            results.append(measure(name, runner, train, constrained, args.seed))
    rules = list(results[0]["broken"]) if results else []
    header = ["library", "rules", "fit s", "rows/s", "quality", *rules]
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for r in results:
        cells = [
            r["library"],
            r["rules"],
            f"{r['fit_s']:.2f}",
            f"{r['rows_per_s']:,.0f}",
            f"{r['quality']:.3f}",
            *(f"{100 * r['broken'][rule]:.2f}%" for rule in rules),
        ]
        print("| " + " | ".join(cells) + " |")
    by = {(r["library"], r["rules"]): r for r in results}
    if ("ours", "with") in by and ("sdv", "with") in by:
        ours, sdv = by["ours", "with"], by["sdv", "with"]
        print(
            f"\nwith the rules, ours / SDV's: fit {sdv['fit_s'] / ours['fit_s']:.1f}x "
            f"faster, sampling {ours['rows_per_s'] / sdv['rows_per_s']:.1f}x faster, "
            f"quality {ours['quality']:.3f} vs {sdv['quality']:.3f}"
        )


if __name__ == "__main__":
    main()

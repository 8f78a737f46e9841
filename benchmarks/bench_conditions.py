"""Conditional sampling: our Gaussian copula against SDV's, on loans.

Both fit the same 80% split of loans (seed 0) with the same column types,
then generate 1,000 rows under each condition (a second call, warm):

- one value of a column of fractions, ``installment`` (3,540 distinct
  values): no draw hits it exactly, so it has to be held, not filtered;
- a common category, ``grade = "B"`` (30% of rows), and a rare one,
  ``grade = "F"`` (0.6%);
- both kinds at once, ``grade = "B"`` with an ``installment`` seen in it;
- three categories at once, ``grade = "E"``, ``homeownership = "OWN"`` and
  ``verified_income = "Verified"`` (0.2% of rows).

For each it prints the seconds per 1,000 rows on both sides and their
ratio, the share of returned rows that meet the condition, and how the
rows follow it: the mean of a column the condition should move
(``loan_amount`` beside an installment, ``interest_rate`` beside a grade)
against the real rows that meet the condition (for one installment, the
real rows within 5% of it). Run it in a venv that has both (``sdv`` from
PyPI):

    python benchmarks/bench_conditions.py
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from collections.abc import Callable, Hashable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import discrete_columns, environment_line, load_split, sdv_metadata_dict

from genesis.errors import GenesisError

ROWS = 1_000
TABLE = "loans"


def cases(train: pd.DataFrame) -> list[tuple[str, dict[Hashable, Any], str]]:
    """``(label, condition, column it should move)``, values from ``train``."""
    in_b = train.loc[train["grade"] == "B", "installment"]
    return [
        (
            "one installment",
            {"installment": float(train["installment"].iloc[123])},
            "loan_amount",
        ),
        ("grade B (30%)", {"grade": "B"}, "interest_rate"),
        ("grade F (0.6%)", {"grade": "F"}, "interest_rate"),
        (
            "grade B, one installment",
            {"grade": "B", "installment": float(in_b.iloc[7])},
            "loan_amount",
        ),
        (
            "grade E, owns, verified (0.2%)",
            {"grade": "E", "homeownership": "OWN", "verified_income": "Verified"},
            "interest_rate",
        ),
    ]


def real_mean(
    train: pd.DataFrame, condition: dict[Hashable, Any], column: str
) -> float:
    """``column``'s mean over the real rows meeting ``condition``; a value of
    ``installment`` is met within 5% of it."""
    rows = np.ones(len(train), dtype=bool)
    for name, value in condition.items():
        if name == "installment":
            rows &= (train[name] - value).abs().to_numpy() <= 0.05 * value
        else:
            rows &= (train[name] == value).to_numpy()
    return float(train.loc[rows, column].mean())


def meets(frame: pd.DataFrame, condition: dict[Hashable, Any]) -> float:
    ok = np.ones(len(frame), dtype=bool)
    for name, value in condition.items():
        ok &= (frame[name] == value).to_numpy()
    return float(ok.mean()) if len(frame) else 0.0


def ours(train: pd.DataFrame, seed: int) -> Callable[[dict], pd.DataFrame]:
    from genesis import SyntheticGenerator

    generator = SyntheticGenerator(method="gaussian_copula", seed=seed)
    generator.fit(train, discrete_columns=discrete_columns(train), progress=False)
    return lambda condition: generator.generate(ROWS, conditions=condition)


def sdv(train: pd.DataFrame, seed: int) -> Callable[[dict], pd.DataFrame]:
    from sdv.metadata import Metadata
    from sdv.sampling import Condition
    from sdv.single_table import GaussianCopulaSynthesizer

    np.random.seed(seed)
    synthesizer = GaussianCopulaSynthesizer(
        Metadata.load_from_dict(sdv_metadata_dict(train, TABLE))
    )
    synthesizer.fit({TABLE: train})

    def sample(condition: dict) -> pd.DataFrame:
        out = synthesizer.sample_from_conditions(
            [Condition(condition, num_rows=ROWS)], max_tries_per_batch=100
        )
        return out[TABLE] if isinstance(out, dict) else out

    return sample


def timed(sample: Callable[[dict], pd.DataFrame], condition: dict) -> dict[str, Any]:
    try:
        sample(condition)
        start = time.perf_counter()
        frame = sample(condition)
        return {"s": time.perf_counter() - start, "frame": frame}
    # Either side's refusal of a condition is a result, not a crash.
    except (GenesisError, ValueError, RuntimeError) as error:
        return {"error": f"{type(error).__name__}: {str(error)[:80]}"}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    warnings.filterwarnings("ignore")

    train, _ = load_split(TABLE)
    print(environment_line())
    print(f"loans: {len(train)} training rows; {ROWS} rows per condition\n")
    samplers = {"ours": ours(train, args.seed), "sdv": sdv(train, args.seed)}
    header = (
        "| condition | moves | real mean | library | s per 1,000 rows | meets | mean |"
    )
    print(header)
    print("|---" * (header.count("|") - 1) + "|")
    ratios = []
    for label, condition, column in cases(train):
        real = real_mean(train, condition, column)
        results = {name: timed(sample, condition) for name, sample in samplers.items()}
        for name, result in results.items():
            if "error" in result:
                error = result["error"]
                print(f"| {label} | {column} | {real:,.1f} | {name} | {error} | | |")
                continue
            frame = result["frame"]
            print(
                f"| {label} | {column} | {real:,.1f} | {name} | {result['s']:.3f} "
                f"| {meets(frame, condition):.0%} | {frame[column].mean():,.1f} |"
            )
        if all("s" in r for r in results.values()):
            ratios.append((label, results["sdv"]["s"] / results["ours"]["s"]))
    print()
    for label, ratio in ratios:
        print(f"{label}: ours {ratio:.1f}x faster than SDV")


if __name__ == "__main__":
    main()

"""Our Gaussian copula against SDV's GaussianCopulaSynthesizer, in one run.

Both fit the same 80% split (seed 0) of each data set with the same column
types, each in its own subprocess, and generate as many rows as they were
trained on. Prints one Markdown table per data set: fit time, sampling
rows/s, peak memory, sdmetrics quality and ML efficacy, ours beside SDV's
with the ratio.

    python benchmarks/bench_copula.py                 # adult and loans
    python benchmarks/bench_copula.py --data adult --json results/copula.json
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import (
    DATASETS,
    RATIO_NOTE,
    Row,
    best_of,
    dropped_note,
    drops_by_dataset,
    environment_line,
    errors_note,
    fidelity_rows,
    figure,
    markdown_table,
    memory_rows,
    run_both,
    temporary_workdir,
    write_json,
)

METHOD = "gaussian_copula"


def table_rows(data: str, figures: dict[str, Any]) -> list[Row]:
    """The comparison rows for one data set."""
    ours, sdv = figures["ours"], figures["sdv"]
    rows = [
        Row(
            "fit time (s)",
            figure(ours, "fit_s"),
            figure(sdv, "fit_s"),
            "lower",
            "{:.2f}",
            goal=3.0,
            goal_text="≥ 3x",
        ),
        Row(
            "sample rows/s",
            figure(ours, "rows_per_s"),
            figure(sdv, "rows_per_s"),
            "higher",
            "{:,.0f}",
        ),
    ]
    return rows + memory_rows(ours, sdv) + fidelity_rows(data, figures)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--data",
        choices=[*DATASETS, "all"],
        default="all",
        help="data set (default: all)",
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--drop",
        default="",
        help="comma-separated columns to remove from the data for both sides, "
        "e.g. emp_title (loans' free text, ~3,900 values)",
    )
    parser.add_argument(
        "--repeat",
        type=int,
        default=1,
        help="run each pair this many times, alternating, and keep the best timings",
    )
    parser.add_argument(
        "--json", type=Path, help="also write every figure to this file"
    )
    args = parser.parse_args(argv)

    names = list(DATASETS) if args.data == "all" else [args.data]
    drops = drops_by_dataset(names, args.drop)
    print(f"# Gaussian copula: Genesis vs SDV\n\n{environment_line()}\n")
    everything: dict[str, Any] = {}
    with temporary_workdir() as workdir:
        for name in names:
            figures = run_both(
                METHOD,
                name,
                Path(workdir),
                seed=args.seed,
                repeat=args.repeat,
                drop=drops[name],
            )
            everything[name] = figures
            write_json(args.json, everything)
            print(
                f"## {name} ({figures['rows']:,} training rows, 80/20 split, "
                f"seed {args.seed}{best_of(args.repeat)}{dropped_note(drops[name])})\n"
            )
            print(markdown_table(table_rows(name, figures)))
            note = errors_note(figures)
            print(f"\n{note}\n" if note else "")
    print(RATIO_NOTE)


if __name__ == "__main__":
    main()

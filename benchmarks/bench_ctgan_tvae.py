"""Our CTGAN and TVAE (torch backend) against SDV's, in one run.

Both train on the same 80% split (seed 0) with the same column types, the
same number of epochs, default hyper-parameters (batch 500, pac 10, the
papers' network sizes) and seed 0, each in its own subprocess, then generate
as many rows as they were trained on. Prints one Markdown table per (model,
data set): transformer fit time, training seconds per epoch, sampling rows/s,
peak memory, sdmetrics quality and ML efficacy, ours beside SDV's with the
ratio.

    python benchmarks/bench_ctgan_tvae.py                       # adult, both, 10 epochs
    python benchmarks/bench_ctgan_tvae.py --data loans --model ctgan --epochs 50
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

# The goals for each ratio (SDV ÷ ours for seconds, ours ÷ SDV for rows/s).
EPOCH_GOAL = {"ctgan": 1.8, "tvae": 2.0}
TRANSFORMER_GOAL = 10.0
SAMPLING_GOAL = 5.0


def table_rows(model: str, data: str, figures: dict[str, Any]) -> list[Row]:
    """The comparison rows for one model on one data set."""
    ours, sdv = figures["ours"], figures["sdv"]
    rows = [
        Row(
            "transformer fit (s)",
            figure(ours, "transformer_fit_s"),
            figure(sdv, "transformer_fit_s"),
            "lower",
            "{:.2f}",
            goal=TRANSFORMER_GOAL,
            goal_text=f"≥ {TRANSFORMER_GOAL:g}x",
        ),
        Row(
            "training s/epoch (median of epochs 2..N)",
            figure(ours, "epoch_median_s"),
            figure(sdv, "epoch_median_s"),
            "lower",
            "{:.3f}",
            goal=EPOCH_GOAL[model],
            goal_text=f"≥ {EPOCH_GOAL[model]:g}x",
        ),
        Row(
            "  CPU s/epoch (process CPU time, all threads)",
            figure(ours, "epoch_cpu_median_s"),
            figure(sdv, "epoch_cpu_median_s"),
            "lower",
            "{:.3f}",
        ),
        Row(
            "whole fit (s)",
            figure(ours, "fit_s"),
            figure(sdv, "fit_s"),
            "lower",
            "{:.1f}",
        ),
        Row(
            "sample rows/s",
            figure(ours, "rows_per_s"),
            figure(sdv, "rows_per_s"),
            "higher",
            "{:,.0f}",
            goal=SAMPLING_GOAL,
            goal_text=f"≥ {SAMPLING_GOAL:g}x",
        ),
    ]
    memory = memory_rows(ours, sdv)
    memory[0].goal, memory[0].goal_text = 1.0, "≤ SDV"
    # On loans SDV's neural models lose sub_grade -> interest_rate (R² below 0);
    # ours must keep it.
    floor = 0.0 if data == "loans" else None
    return rows + memory + fidelity_rows(data, figures, ml_floor=floor)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", choices=[*DATASETS, "all"], default="adult")
    parser.add_argument("--model", choices=["ctgan", "tvae", "both"], default="both")
    parser.add_argument(
        "--epochs",
        type=int,
        default=10,
        help="epochs for both libraries (default 10, at least 2)",
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
    if args.epochs < 2:
        parser.error(
            "--epochs must be at least 2: the first epoch is left out of s/epoch"
        )

    names = list(DATASETS) if args.data == "all" else [args.data]
    drops = drops_by_dataset(names, args.drop)
    models = ["ctgan", "tvae"] if args.model == "both" else [args.model]
    print(f"# CTGAN / TVAE: Genesis (torch) vs SDV\n\n{environment_line()}\n")
    everything: dict[str, Any] = {"epochs": args.epochs}
    with temporary_workdir() as workdir:
        for model in models:
            for name in names:
                figures = run_both(
                    model,
                    name,
                    Path(workdir),
                    seed=args.seed,
                    epochs=args.epochs,
                    repeat=args.repeat,
                    drop=drops[name],
                )
                everything[f"{model}/{name}"] = figures
                write_json(args.json, everything)
                print(
                    f"## {model.upper()} on {name} ({figures['rows']:,} training rows, "
                    f"{args.epochs} epochs, seed {args.seed}{best_of(args.repeat)}"
                    f"{dropped_note(drops[name])})\n"
                )
                print(markdown_table(table_rows(model, name, figures)))
                note = errors_note(figures)
                print(f"\n{note}\n" if note else "")
    print(RATIO_NOTE)


if __name__ == "__main__":
    main()

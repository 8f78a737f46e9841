"""Our CTGAN and TVAE (torch and jax backends) against SDV's, in one run.

All train on the same 80% split (seed 0) with the same column types, the
same number of epochs, default hyper-parameters (batch 500, pac 10, the
papers' network sizes) and seed 0, each in its own subprocess, then generate
as many rows as they were trained on. Prints one Markdown table per (model,
data set): transformer fit time, training seconds per epoch, sampling rows/s,
peak memory, sdmetrics quality and ML efficacy, ours (torch) beside SDV's
with the ratio; then, when genesis-jax is installed, a second table with the
jax backend beside both: seconds per epoch, compile time (reported apart
from the epochs), sampling rows/s and quality.

    python benchmarks/bench_ctgan_tvae.py                       # adult, both, 10 epochs
    python benchmarks/bench_ctgan_tvae.py --data loans --model ctgan --epochs 50
    python benchmarks/bench_ctgan_tvae.py --no-jax              # torch and SDV only
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import statistics
import subprocess
import sys
import time
import warnings
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import (
    DATASETS,
    RATIO_NOTE,
    Efficacy,
    Row,
    _score,
    best_of,
    discrete_columns,
    dropped_note,
    drops_by_dataset,
    environment_line,
    errors_note,
    fidelity_rows,
    figure,
    load_split,
    markdown_table,
    memory_rows,
    run_both,
    temporary_workdir,
    write_json,
)

from genesis.training import bfloat16_arithmetic, bfloat16_matrix_units

# The goals for each ratio (SDV ÷ ours for seconds, ours ÷ SDV for rows/s).
EPOCH_GOAL = {"ctgan": 1.8, "tvae": 2.0}
# The jax backend's goals: SDV ÷ jax seconds per epoch, and faster than torch.
JAX_EPOCH_GOAL = 2.5
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
            "sample rows/s (first call after fit)",
            figure(ours, "rows_per_s"),
            figure(sdv, "rows_per_s"),
            "higher",
            "{:,.0f}",
        ),
        Row(
            "sample rows/s (warm: best of two more calls)",
            figure(ours, "warm_rows_per_s"),
            figure(sdv, "warm_rows_per_s"),
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


def run_jax_worker(args: argparse.Namespace, out: Path) -> None:
    """Fit and sample with the jax backend in this process (``--jax-worker``).

    Writes ``result.json`` and ``synthetic.pkl`` into ``out`` with the same
    timing definitions as ``_worker.py``, plus ``compile_s`` (tracing and
    compiling the training epoch, before the first epoch) and the sampling
    time of a second, already compiled, generate call.
    """
    from _worker import MemoryProbe, epoch_durations

    from genesis import SyntheticGenerator

    warnings.filterwarnings("ignore")
    memory = MemoryProbe()
    train, _ = load_split(args.data, args.drop_list)
    discrete = discrete_columns(train)
    memory.loaded()
    generator = SyntheticGenerator(
        method=args.model,
        config={
            "epochs": args.epochs,
            "training_precision": args.training_precision,
            "sampling_precision": args.sampling_precision,
        },
        backend="jax",
        seed=args.seed,
    )
    ends: dict[int, tuple[float, float]] = {}

    def on_progress(event: Any) -> None:
        if event.total == args.epochs and event.step >= 1:
            ends.setdefault(event.step, (time.perf_counter(), time.process_time()))

    result: dict[str, Any] = {"library": "jax", "method": args.model, "data": args.data}
    start = time.perf_counter()
    generator.fit(train, discrete_columns=discrete, progress=on_progress)
    result["fit_s"] = time.perf_counter() - start
    result["compile_s"] = generator._impl.compile_seconds_
    result["bfloat16_products"] = getattr(generator._impl, "mixed_precision_", None)
    start = time.perf_counter()
    synthetic = generator.generate(len(train))
    result["sample_s"] = time.perf_counter() - start
    start = time.perf_counter()
    generator.generate(len(train))
    result["sample_warm_s"] = time.perf_counter() - start
    memory.report(result)
    timeline = [ends[k] for k in sorted(ends)]
    result["epoch_s"] = epoch_durations([wall for wall, _ in timeline])
    result["epoch_cpu_s"] = epoch_durations([cpu for _, cpu in timeline])
    result["rows"] = len(synthetic)
    out.mkdir(parents=True, exist_ok=True)
    synthetic.to_pickle(out / "synthetic.pkl")
    (out / "result.json").write_text(json.dumps(result, indent=2))


def run_jax(
    model: str, data: str, workdir: Path, args: argparse.Namespace, drop: list[str]
) -> dict[str, Any]:
    """Run the jax backend in a subprocess ``repeat`` times and score the first run."""
    train, holdout = load_split(data, drop)
    efficacy = Efficacy(DATASETS[data], train, holdout)
    runs: list[dict[str, Any]] = []
    figures: dict[str, Any] = {}
    for attempt in range(args.repeat):
        out = workdir / f"jax-{model}-{data}-{attempt}"
        command = [
            sys.executable,
            str(Path(__file__).resolve()),
            "--jax-worker",
            "--model",
            model,
            "--data",
            data,
            "--epochs",
            str(args.epochs),
            "--seed",
            str(args.seed),
            "--training-precision",
            args.training_precision,
            "--sampling-precision",
            args.sampling_precision,
            "--drop",
            ",".join(drop),
            "--out",
            str(out),
        ]
        print(f"  running jax {model} on {data} ...", file=sys.stderr, flush=True)
        completed = subprocess.run(command, text=True, capture_output=True)
        if completed.returncode != 0:
            tail = completed.stderr.strip().splitlines()[-1:]
            return {"error": " ".join(tail) or f"exit {completed.returncode}"}
        result = json.loads((out / "result.json").read_text())
        if attempt == 0:
            synthetic = __import__("pandas").read_pickle(out / "synthetic.pkl")
            _score(result, train, synthetic, efficacy)
            figures = result
        runs.append(result)
    figures["epoch_median_s"] = min(statistics.median(r["epoch_s"]) for r in runs)
    figures["epoch_cpu_median_s"] = min(
        statistics.median(r["epoch_cpu_s"]) for r in runs
    )
    for key in ("fit_s", "sample_s", "sample_warm_s", "compile_s"):
        figures[key] = min(r[key] for r in runs)
    figures["rows_per_s"] = figures["rows"] / figures["sample_s"]
    figures["warm_rows_per_s"] = figures["rows"] / figures["sample_warm_s"]
    return figures


def jax_table(model: str, figures: dict[str, Any]) -> str:
    """jax beside torch and SDV, with jax's ratio to each.

    As in the main table, a ratio above 1 means jax is better: the other's
    seconds ÷ jax's, or jax's rows/s and scores ÷ the other's.
    """
    jax, torch, sdv = figures["jax"], figures["ours"], figures["sdv"]
    header = "| metric | jax | torch | SDV | jax vs SDV | jax vs torch | goal |"
    lines = [header, "|" + "---|" * 7]

    def line(name: str, key: str, fmt: str, lower: bool = True, goal: str = "") -> None:
        values = [figure(side, *key.split(".")) for side in (jax, torch, sdv)]
        shown = ["pending" if v is None else fmt.format(v) for v in values]
        ratios = []
        for other in values[2], values[1]:
            if values[0] is None or other is None or values[0] <= 0 or other <= 0:
                ratios.append("–")
            else:
                ratio = other / values[0] if lower else values[0] / other
                ratios.append(f"{ratio:.2f}x")
        lines.append(
            f"| {name} | {' | '.join(shown)} | {' | '.join(ratios)} | {goal} |"
        )

    epoch_goal = ""
    j, t, s = (figure(x, "epoch_median_s") for x in (jax, torch, sdv))
    if None not in (j, t, s):
        met = s / j >= JAX_EPOCH_GOAL and j < t
        epoch_goal = f"≥ {JAX_EPOCH_GOAL:g}x SDV, < torch {'✓' if met else '✗'}"
    line(
        "training s/epoch (median of epochs 2..N)",
        "epoch_median_s",
        "{:.3f}",
        goal=epoch_goal,
    )
    line("  CPU s/epoch (process CPU time)", "epoch_cpu_median_s", "{:.3f}")
    line("compile s (before epoch 1; jax only)", "compile_s", "{:.2f}")
    line("whole fit (s)", "fit_s", "{:.1f}")
    line(
        "sample rows/s (first call, with its compile)",
        "rows_per_s",
        "{:,.0f}",
        lower=False,
    )
    line("sample rows/s (compiled)", "warm_rows_per_s", "{:,.0f}", lower=False)
    line("sdmetrics quality", "quality.overall", "{:.3f}", lower=False)
    line("ML efficacy ratio", "ml.ratio", "{:.3f}", lower=False)
    return "\n".join(lines)


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
        "--training-precision",
        choices=["auto", "float32", "bfloat16"],
        default="auto",
        help="our config key training_precision, both backends (SDV: float32)",
    )
    parser.add_argument(
        "--sampling-precision",
        choices=["auto", "float32", "bfloat16"],
        default="auto",
        help="our config key sampling_precision, both backends (SDV: float32)",
    )
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
    parser.add_argument(
        "--no-jax", action="store_true", help="leave out the jax backend's table"
    )
    parser.add_argument("--jax-worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.jax_worker:
        args.drop_list = [c for c in args.drop.split(",") if c]
        run_jax_worker(args, args.out)
        return
    with_jax = not args.no_jax and importlib.util.find_spec("genesis_jax") is not None
    if args.epochs < 2:
        parser.error(
            "--epochs must be at least 2: the first epoch is left out of s/epoch"
        )

    names = list(DATASETS) if args.data == "all" else [args.data]
    drops = drops_by_dataset(names, args.drop)
    models = ["ctgan", "tvae"] if args.model == "both" else [args.model]
    backends = "torch, jax" if with_jax else "torch"
    print(f"# CTGAN / TVAE: Genesis ({backends}) vs SDV\n\n{environment_line()}\n")
    print(
        f"Our training_precision: {args.training_precision} (bfloat16 products on "
        f"this CPU under auto: {bfloat16_matrix_units()}); sampling_precision: "
        f"{args.sampling_precision} (bfloat16 under auto: {bfloat16_arithmetic()}). "
        "SDV trains and samples in float32.\n"
    )
    everything: dict[str, Any] = {
        "epochs": args.epochs,
        "training_precision": args.training_precision,
        "sampling_precision": args.sampling_precision,
    }
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
                    worker_args=[
                        "--training-precision",
                        args.training_precision,
                        "--sampling-precision",
                        args.sampling_precision,
                    ],
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
                if with_jax:
                    figures["jax"] = run_jax(
                        model, name, Path(workdir), args, drops[name]
                    )
                    write_json(args.json, everything)
                    print(f"### {model.upper()} on {name}: the jax backend\n")
                    if "error" in figures["jax"]:
                        print(f"- jax did not run: {figures['jax']['error']}\n")
                    else:
                        print(jax_table(model, figures) + "\n")
    print(RATIO_NOTE)


if __name__ == "__main__":
    main()

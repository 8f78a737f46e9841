"""CTGAN on a GPU: epoch time and generation rows/s against the CPU, as JSON.

One prepared script for a machine with a GPU. It trains
``genesis.gpu.BatchedGenerator(method="ctgan", batch_size=10000)`` on UCI
Adult (the bundled copy, repeated ``--scale`` times so that a batch of 10,000
rows is not shrunk to fit a small table: a table smaller than eight batches
trains on smaller ones), on ``--device`` with reduced-precision products
(torch on CUDA: TF32) and, on CUDA, again in float32; then on the CPU for
comparison. Each fitted model
generates ``--rows`` rows (the CPU ``--cpu-rows``) through ``iter_batches``.
The last line printed is the JSON of every figure.

On the GPU machine, from the repository root::

    python benchmarks/gpu_check.py                       # cuda, 1M rows

Here, to check that it runs::

    .venv/bin/python benchmarks/gpu_check.py --device cpu --scale 1 \\
        --epochs 2 --rows 20000 --batch-size 1000 --cpu-epochs 0

Nothing here is part of the test suite.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import platform
import statistics
import time
from typing import Any

import pandas as pd
import torch

from genesis.datasets import ADULT_DISCRETE_COLUMNS, load_adult
from genesis.gpu import BatchedGenerator
from genesis.protocols import ProgressEvent


def training_table(scale: int) -> pd.DataFrame:
    adult = load_adult()
    return pd.concat([adult] * scale, ignore_index=True)


def synchronize(device: str) -> None:
    if device.startswith("cuda"):
        torch.cuda.synchronize()


def run(
    device: str,
    data: pd.DataFrame,
    epochs: int,
    rows: int,
    args: argparse.Namespace,
    *,
    mixed_precision: bool = True,
) -> dict[str, Any]:
    """Fit and generate on ``device``; return the figures."""
    if device.startswith("cuda"):
        torch.cuda.reset_peak_memory_stats()
    epoch_ends: list[float] = []

    def on_progress(event: ProgressEvent) -> None:
        if event.step > len(epoch_ends):
            synchronize(device)
            epoch_ends.append(time.perf_counter())

    generator = BatchedGenerator(
        method="ctgan",
        device=device,
        batch_size=args.batch_size,
        config={
            "epochs": epochs,
            "training_precision": "auto" if mixed_precision else "float32",
        },
        seed=args.seed,
    )
    started = time.perf_counter()
    generator.fit(data, ADULT_DISCRETE_COLUMNS, progress=on_progress)
    fit_s = time.perf_counter() - started
    impl = generator.generator_._impl
    durations = [b - a for a, b in itertools.pairwise(epoch_ends)]
    # The first epoch carries warm-up (kernel choice, allocator); leave it out
    # when there are more.
    epoch_s = statistics.median(durations) if durations else fit_s

    for batch in generator.iter_batches(1_000, seed=args.seed):
        del batch
    synchronize(device)
    started = time.perf_counter()
    produced = 0
    for batch in generator.iter_batches(rows, 65_536, seed=args.seed):
        produced += len(batch)
    synchronize(device)
    generate_s = time.perf_counter() - started

    result: dict[str, Any] = {
        "device": device,
        "train_rows": len(data),
        "batch_size_used": impl.batch_size_,
        "mixed_precision": impl.mixed_precision_,
        "epochs": epochs,
        "fit_s": fit_s,
        "epoch_s": epoch_s,
        "train_rows_per_s": len(data) / epoch_s,
        "rows": produced,
        "generate_s": generate_s,
        "rows_per_s": produced / generate_s,
        "final_losses": generator.generator_.loss_history_[-1],
    }
    if device.startswith("cuda"):
        result["peak_gpu_memory_mb"] = torch.cuda.max_memory_allocated() / 2**20
    return result


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cuda")
    parser.add_argument("--batch-size", type=int, default=10_000)
    parser.add_argument("--scale", type=int, default=10, help="copies of Adult")
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--cpu-scale", type=int, default=3)
    parser.add_argument(
        "--cpu-epochs", type=int, default=2, help="0 skips the CPU comparison"
    )
    parser.add_argument("--cpu-rows", type=int, default=200_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--no-fp32", action="store_true", help="skip the float32 run on CUDA"
    )
    args = parser.parse_args(argv)

    report: dict[str, Any] = {
        "torch": torch.__version__,
        "python": platform.python_version(),
        "cpu_count": os.cpu_count(),
        "cpu_threads": torch.get_num_threads(),
        "load": os.getloadavg(),
    }
    on_cuda = args.device.startswith("cuda")
    if on_cuda:
        report["gpu"] = torch.cuda.get_device_name(0)
    data = training_table(args.scale)
    report["main"] = run(args.device, data, args.epochs, args.rows, args)
    print(json.dumps(report["main"]), flush=True)
    if on_cuda and not args.no_fp32:
        report["fp32"] = run(
            args.device, data, args.epochs, args.rows, args, mixed_precision=False
        )
        report["bf16_epoch_speedup"] = (
            report["fp32"]["epoch_s"] / report["main"]["epoch_s"]
        )
        print(json.dumps(report["fp32"]), flush=True)
    if args.cpu_epochs and args.device != "cpu":
        cpu_data = training_table(args.cpu_scale)
        report["cpu"] = run("cpu", cpu_data, args.cpu_epochs, args.cpu_rows, args)
        report["train_speedup_vs_cpu"] = (
            report["main"]["train_rows_per_s"] / report["cpu"]["train_rows_per_s"]
        )
        report["generate_speedup_vs_cpu"] = (
            report["main"]["rows_per_s"] / report["cpu"]["rows_per_s"]
        )
    print(json.dumps(report))


if __name__ == "__main__":
    main()

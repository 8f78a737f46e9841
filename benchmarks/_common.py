"""Shared pieces of the side-by-side benchmarks: data, split, scoring, workers.

Each (library, method, dataset) runs in its own subprocess (``_worker.py``) so
that its peak resident memory is its own; the parent process scores the
synthetic rows the workers leave behind and prints one table. Nothing here is
part of the test suite.
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import metadata as importlib_metadata
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

BENCH_DIR = Path(__file__).resolve().parent
REPO_ROOT = BENCH_DIR.parent
SPLIT_SEED = 0
HOLDOUT_FRACTION = 0.2


def shared_data_dir() -> Path:
    """The data folder: ``$GENESIS_SHARED_DATA``, else ``<repo>/../shared/data``."""
    configured = os.environ.get("GENESIS_SHARED_DATA")
    path = Path(configured) if configured else REPO_ROOT.parent / "shared" / "data"
    if not path.is_dir():
        raise FileNotFoundError(
            f"shared data folder {path} does not exist; set GENESIS_SHARED_DATA to the "
            "folder that holds adult.csv and loans.csv"
        )
    return path


@dataclass(frozen=True)
class DatasetSpec:
    """One benchmark table and its machine-learning-efficacy task.

    Attributes:
        name: Short name used on the command line.
        file: CSV file name inside the shared data folder.
        target: Column predicted in the ML-efficacy score.
        task: ``"classification"`` (scored by macro-averaged F1 over the
            classes) or ``"regression"`` (scored by R²).
        positive_label: The positive class, for classification.
        not_features: Identifier-like columns left out of the ML features.
    """

    name: str
    file: str
    target: str
    task: Literal["classification", "regression"]
    positive_label: str | None = None
    not_features: tuple[str, ...] = ()

    @property
    def score_name(self) -> str:
        if self.task == "classification":
            return f"macro F1 of {self.target}"
        return f"R² of {self.target}"


DATASETS: dict[str, DatasetSpec] = {
    "adult": DatasetSpec(
        name="adult",
        file="adult.csv",
        target="income",
        task="classification",
        positive_label=">50K",
    ),
    # sub_grade and grade stay as features: whether a generator keeps the
    # sub_grade -> interest_rate link is exactly what this score shows.
    "loans": DatasetSpec(
        name="loans",
        file="loans.csv",
        target="interest_rate",
        task="regression",
    ),
}


def load_split(
    name: str, drop: Sequence[str] = ()
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Read a data set and split it 80/20 with seed 0 (the BASELINE's split).

    Args:
        name: A key of :data:`DATASETS`.
        drop: Columns removed before the split (``--drop`` of the scripts).

    Returns:
        The training part (80%) and the holdout (20%), index reset.
    """
    from sklearn.model_selection import train_test_split

    spec = DATASETS[name]
    frame = pd.read_csv(shared_data_dir() / spec.file)
    missing = [c for c in drop if c not in frame.columns]
    if missing or spec.target in drop:
        raise ValueError(
            f"cannot drop {missing or spec.target!r} from {name}: not a column, or the "
            f"ML target; its columns are {list(frame.columns)}"
        )
    frame = frame.drop(columns=list(drop))
    train, holdout = train_test_split(
        frame, test_size=HOLDOUT_FRACTION, random_state=SPLIT_SEED
    )
    return train.reset_index(drop=True), holdout.reset_index(drop=True)


def drops_by_dataset(names: Sequence[str], drop_text: str) -> dict[str, list[str]]:
    """Split ``--drop a,b`` into the columns each data set has.

    Raises:
        SystemExit: A column is in none of the data sets.
    """
    wanted = [c for c in drop_text.split(",") if c]
    headers = {
        name: set(pd.read_csv(shared_data_dir() / DATASETS[name].file, nrows=0).columns)
        for name in names
    }
    unknown = [c for c in wanted if not any(c in cols for cols in headers.values())]
    if unknown:
        raise SystemExit(f"--drop: {unknown} is not a column of {list(names)}")
    return {name: [c for c in wanted if c in headers[name]] for name in names}


def dropped_note(drop: Sequence[str]) -> str:
    return f", without {', '.join(drop)}" if drop else ""


def discrete_columns(frame: pd.DataFrame) -> list[str]:
    """Text, boolean and category columns: the ones both libraries treat as discrete."""
    return [
        str(c)
        for c in frame.columns
        if not pd.api.types.is_numeric_dtype(frame[c])
        or pd.api.types.is_bool_dtype(frame[c])
    ]


def column_sdtypes(frame: pd.DataFrame) -> dict[str, str]:
    """One sdtype per column, shared by SDV's synthesizers and sdmetrics.

    Both libraries get the same column types: discrete columns are
    ``categorical``, every other column ``numerical``. SDV's own detection
    would call some small-range integers ``ordinal`` and ``state`` a piece of
    personal data to be replaced with invented values, which would make the
    two sides learn different tables.
    """
    discrete = set(discrete_columns(frame))
    return {
        str(c): "categorical" if str(c) in discrete else "numerical"
        for c in frame.columns
    }


def sdmetrics_metadata(frame: pd.DataFrame) -> dict[str, Any]:
    return {"columns": {c: {"sdtype": t} for c, t in column_sdtypes(frame).items()}}


def sdv_metadata_dict(frame: pd.DataFrame, table: str) -> dict[str, Any]:
    return {
        "METADATA_SPEC_VERSION": "V1",
        "tables": {table: sdmetrics_metadata(frame)},
        "relationships": [],
    }


def quality_score(real: pd.DataFrame, synthetic: pd.DataFrame) -> dict[str, float]:
    """sdmetrics QualityReport of ``synthetic`` against the real training rows.

    Returns:
        The overall score and one score per property ("Column Shapes",
        "Column Pair Trends").
    """
    from sdmetrics.reports import QualityReport

    table = "table"
    report = QualityReport()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        report.generate(
            {table: real},
            {table: synthetic[real.columns]},
            sdv_metadata_dict(real, table),
            verbose=False,
        )
    scores = {"overall": float(report.get_score())}
    for _, row in report.get_properties().iterrows():
        scores[str(row["Property"])] = float(row["Score"])
    return scores


class _Features:
    """Turns a frame into HistGradientBoosting inputs; fitted on the real rows."""

    def __init__(self, spec: DatasetSpec, real_train: pd.DataFrame) -> None:
        from sklearn.preprocessing import OrdinalEncoder

        self.spec = spec
        self.columns = [
            c
            for c in real_train.columns
            if c != spec.target and c not in spec.not_features
        ]
        discrete = set(discrete_columns(real_train))
        self.discrete = [c for c in self.columns if c in discrete]
        self.encoder = OrdinalEncoder(
            handle_unknown="use_encoded_value",
            unknown_value=np.nan,
            encoded_missing_value=np.nan,
        )
        if self.discrete:
            self.encoder.fit(self._as_text(real_train[self.discrete]))
        # Native categorical support stops at 255 values; wider columns
        # (loans' free-text emp_title) enter as their ordinal code.
        widths = (
            {
                c: len(v)
                for c, v in zip(self.discrete, self.encoder.categories_, strict=True)
            }
            if self.discrete
            else {}
        )
        self.categorical_mask = [c in widths and widths[c] < 250 for c in self.columns]

    @staticmethod
    def _as_text(frame: pd.DataFrame) -> pd.DataFrame:
        """Category values as strings, missing cells as NaN, for OrdinalEncoder."""
        return frame.astype(str).where(frame.notna(), np.nan)

    def x(self, frame: pd.DataFrame) -> np.ndarray:
        out = np.empty((len(frame), len(self.columns)), dtype=np.float64)
        continuous = [c for c in self.columns if c not in self.discrete]
        index = {c: i for i, c in enumerate(self.columns)}
        for c in continuous:
            out[:, index[c]] = pd.to_numeric(frame[c], errors="coerce").to_numpy(
                dtype=np.float64, na_value=np.nan
            )
        if self.discrete:
            codes = self.encoder.transform(self._as_text(frame[self.discrete]))
            for j, c in enumerate(self.discrete):
                out[:, index[c]] = codes[:, j]
        return out

    def y(self, frame: pd.DataFrame) -> np.ndarray:
        target = frame[self.spec.target]
        if self.spec.task == "classification":
            return (
                target.astype(object).astype(str) == self.spec.positive_label
            ).to_numpy()
        return pd.to_numeric(target, errors="coerce").to_numpy(
            dtype=np.float64, na_value=np.nan
        )


def _fit_and_score(
    features: _Features, train: pd.DataFrame, holdout: pd.DataFrame
) -> float:
    from sklearn.ensemble import (
        HistGradientBoostingClassifier,
        HistGradientBoostingRegressor,
    )
    from sklearn.metrics import f1_score, r2_score

    x_train, y_train = features.x(train), features.y(train)
    keep = ~np.isnan(y_train.astype(np.float64))
    x_train, y_train = x_train[keep], y_train[keep]
    # A feature the synthetic rows left entirely missing carries nothing to
    # learn, and HistGradientBoosting cannot bin it: make it a constant.
    x_train[:, np.isnan(x_train).all(axis=0)] = 0.0
    x_test, y_test = features.x(holdout), features.y(holdout)
    if features.spec.task == "classification":
        if len(np.unique(y_train)) < 2:  # one class only: the model predicts it
            constant = np.full(len(y_test), y_train[0])
            return float(f1_score(y_test, constant, average="macro", zero_division=0.0))
        model = HistGradientBoostingClassifier(
            categorical_features=features.categorical_mask, random_state=0
        )
        model.fit(x_train, y_train)
        return float(f1_score(y_test, model.predict(x_test), average="macro"))
    model = HistGradientBoostingRegressor(
        categorical_features=features.categorical_mask, random_state=0
    )
    model.fit(x_train, y_train)
    return float(r2_score(y_test, model.predict(x_test)))


class Efficacy:
    """ML efficacy against the real 20% holdout, computed once for the real rows.

    The score is macro F1 (classification: the mean of both classes' F1, so
    a model that never predicts the rare class scores about half) or R²
    (regression) of a HistGradientBoosting model scored on the holdout; the
    ratio divides the score of a model trained on synthetic rows by the score
    of the same model trained on the real training rows.
    """

    def __init__(
        self, spec: DatasetSpec, train: pd.DataFrame, holdout: pd.DataFrame
    ) -> None:
        self.spec = spec
        self.holdout = holdout
        self.features = _Features(spec, train)
        self.real_score = _fit_and_score(self.features, train, holdout)

    def score(self, synthetic: pd.DataFrame) -> dict[str, float]:
        synthetic_score = _fit_and_score(self.features, synthetic, self.holdout)
        return {
            "score": synthetic_score,
            "real_score": self.real_score,
            "ratio": synthetic_score / self.real_score,
        }


def run_worker(
    library: Literal["ours", "sdv"],
    method: str,
    data: str,
    workdir: Path,
    *,
    epochs: int | None = None,
    seed: int = 0,
    extra: Sequence[str] = (),
) -> tuple[dict[str, Any], pd.DataFrame]:
    """Fit and sample one model in a fresh subprocess.

    Returns:
        The worker's measurements (seconds, rows per second, peak RSS...) and
        the synthetic rows it wrote.
    """
    out = workdir / f"{library}-{method}-{data}"
    out.mkdir(parents=True, exist_ok=True)
    command = [
        sys.executable,
        str(BENCH_DIR / "_worker.py"),
        "--library",
        library,
        "--method",
        method,
        "--data",
        data,
        "--seed",
        str(seed),
        "--out",
        str(out),
        *extra,
    ]
    if epochs is not None:
        command += ["--epochs", str(epochs)]
    print(f"  running {library} {method} on {data} ...", file=sys.stderr, flush=True)
    completed = subprocess.run(command, text=True, capture_output=True)
    if completed.returncode != 0:
        tail = "\n".join(completed.stderr.strip().splitlines()[-25:])
        raise RuntimeError(f"{library} {method} on {data} failed:\n{tail}")
    result = json.loads((out / "result.json").read_text())
    synthetic = pd.read_pickle(out / "synthetic.pkl")
    return result, synthetic


def temporary_workdir() -> tempfile.TemporaryDirectory[str]:
    return tempfile.TemporaryDirectory(prefix="genesis-bench-")


def versions() -> str:
    names = [
        "genesis-synth-core",
        "genesis-synth-torch",
        "sdv",
        "ctgan",
        "copulas",
        "rdt",
        "sdmetrics",
        "torch",
        "scikit-learn",
        "pandas",
        "numpy",
    ]
    found = []
    for name in names:
        try:
            found.append(f"{name} {importlib_metadata.version(name)}")
        except importlib_metadata.PackageNotFoundError:
            continue
    return ", ".join(found)


def environment_line() -> str:
    return (
        f"Python {platform.python_version()} on {platform.machine()}, "
        f"{os.cpu_count()} CPUs; {versions()}"
    )


@dataclass
class Row:
    """One line of a comparison table.

    ``better`` says which direction wins: ``"lower"`` (seconds, memory) gives
    the ratio SDV/ours, ``"higher"`` (rows per second, scores) ours/SDV, so a
    ratio above 1 always means ours is better. ``goal`` is the issue's target
    for that ratio; with ``goal_text`` but no ``goal`` ours must simply be at
    least as good as SDV's. ``floor``, when set, is a value ours must exceed.
    """

    metric: str
    ours: float | None
    sdv: float | None
    better: Literal["lower", "higher"]
    fmt: str = "{:.3f}"
    goal: float | None = None
    goal_text: str = ""
    floor: float | None = None

    def ratio(self) -> float | None:
        if self.ours is None or self.sdv is None:
            return None
        if self.ours <= 0 or self.sdv <= 0:
            return None  # a ratio of negative scores means nothing
        return self.sdv / self.ours if self.better == "lower" else self.ours / self.sdv

    def cells(self) -> list[str]:
        def show(value: float | None) -> str:
            return "pending" if value is None else self.fmt.format(value)

        ratio = self.ratio()
        if ratio is not None:
            ratio_text = f"{ratio:.2f}x"
        elif self.ours is not None and self.sdv is not None:
            delta = self.ours - self.sdv
            ratio_text = f"Δ {'+' if delta >= 0 else '−'}{self.fmt.format(abs(delta))}"
        else:
            ratio_text = "–"
        goal = self.goal_text
        if self.goal_text and self.ours is not None and self.sdv is not None:
            met = self.met()
            goal = f"{self.goal_text} {'✓' if met else '✗'}"
        return [self.metric, show(self.ours), show(self.sdv), ratio_text, goal]

    def met(self) -> bool:
        assert self.ours is not None and self.sdv is not None
        ratio = self.ratio()
        if self.goal is not None and ratio is not None:
            met = ratio >= self.goal
        else:  # scores that may be negative: ours must be at least SDV's
            met = (
                self.ours >= self.sdv
                if self.better == "higher"
                else self.ours <= self.sdv
            )
        return met and (self.floor is None or self.ours > self.floor)


def markdown_table(rows: Sequence[Row]) -> str:
    header = ["metric", "ours", "SDV", "ratio", "goal"]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row.cells()) + " |" for row in rows]
    return "\n".join(lines)


RATIO_NOTE = (
    "ratio > 1 means ours is better: SDV ÷ ours for seconds and memory, "
    "ours ÷ SDV for rows/s and scores; Δ is ours − SDV where a score is not positive."
)


def run_both(
    method: str,
    data: str,
    workdir: Path,
    *,
    seed: int = 0,
    epochs: int | None = None,
    repeat: int = 1,
    drop: Sequence[str] = (),
    worker_args: Sequence[str] = (),
) -> dict[str, Any]:
    """Run ours, then SDV's, one after the other, ``repeat`` times, and score both.

    Timings keep the best of the repeats (the least disturbed by whatever
    else the machine runs); fidelity is scored on the first run's rows.

    Returns:
        ``{"ours": figures, "sdv": figures, "real_ml_score": ...}``, where a
        side that failed holds ``{"error": message}`` instead of figures.
    """
    spec = DATASETS[data]
    train, holdout = load_split(data, drop)
    efficacy = Efficacy(spec, train, holdout)
    figures: dict[str, Any] = {
        "real_ml_score": efficacy.real_score,
        "rows": len(train),
        "repeat": repeat,
        "dropped": list(drop),
    }
    extra = ["--drop", ",".join(drop)] if drop else []
    extra += worker_args
    for attempt in range(repeat):
        for library in ("ours", "sdv"):
            if "error" in figures.get(library, {}):
                continue
            try:
                result, synthetic = run_worker(
                    library,
                    method,
                    data,
                    workdir / f"run{attempt}",
                    seed=seed,
                    epochs=epochs,
                    extra=extra,
                )
            except RuntimeError as error:
                print(f"  {error}", file=sys.stderr)
                figures[library] = {"error": str(error).splitlines()[-1]}
                continue
            if attempt == 0:
                _score(result, train, synthetic, efficacy)
                result["runs"] = []
                figures[library] = result
            figures[library]["runs"].append(_timings(result))
    for library in ("ours", "sdv"):
        side = figures[library]
        if "error" not in side:
            side.update(_best_timings(side["runs"]))
            side["rows_per_s"] = side["rows"] / side["sample_s"]
            if "sample_warm_s" in side:
                side["warm_rows_per_s"] = side["rows"] / side["sample_warm_s"]
    return figures


def _score(
    result: dict[str, Any],
    train: pd.DataFrame,
    synthetic: pd.DataFrame,
    efficacy: Efficacy,
) -> None:
    """Add quality, ML efficacy and copied rows to ``result``.

    A scorer that fails leaves its figure out (shown as pending) and prints
    why, so the timings of a long run are not lost.
    """
    scorers = {
        "quality": lambda: quality_score(train, synthetic),
        "ml": lambda: efficacy.score(synthetic),
        "copied_rows_pct": lambda: copied_rows_percent(train, synthetic),
    }
    for key, scorer in scorers.items():
        try:
            result[key] = scorer()
        except Exception as error:  # noqa: BLE001 - a peer's failure is reported, not fatal
            print(f"  scoring {key} failed: {error!r}", file=sys.stderr)


def _timings(result: dict[str, Any]) -> dict[str, Any]:
    keys = (
        "fit_s",
        "sample_s",
        "sample_warm_s",
        "transformer_fit_s",
        "epoch_s",
        "epoch_cpu_s",
    )
    return {k: result[k] for k in keys if k in result}


def _best_timings(runs: list[dict[str, Any]]) -> dict[str, float]:
    """The fastest of each timing over the runs; epochs by each run's median."""
    best: dict[str, float] = {}
    for key in ("fit_s", "sample_s", "sample_warm_s", "transformer_fit_s"):
        values = [run[key] for run in runs if key in run]
        if values:
            best[key] = min(values)
    for key in ("epoch_s", "epoch_cpu_s"):
        medians = [statistics.median(run[key]) for run in runs if run.get(key)]
        if medians:
            best[key.replace("_s", "_median_s")] = min(medians)
    return best


def copied_rows_percent(real: pd.DataFrame, synthetic: pd.DataFrame) -> float:
    """Share of synthetic rows equal, in every column, to some real training row."""

    def row_hashes(frame: pd.DataFrame) -> np.ndarray:
        columns = frame[real.columns]
        text = columns.astype(str).where(columns.notna(), "<missing>")
        return pd.util.hash_pandas_object(text, index=False).to_numpy()

    copied = np.isin(row_hashes(synthetic), row_hashes(real))
    return 100.0 * float(copied.mean()) if len(copied) else 0.0


def write_json(path: Path | None, figures: dict[str, Any]) -> None:
    """Write every figure so far to ``path`` (after each pair, so none is lost)."""
    if path is None:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(figures, indent=2))


def best_of(repeat: int) -> str:
    return f", timings best of {repeat} runs" if repeat > 1 else ""


def figure(side: dict[str, Any], *keys: str) -> float | None:
    """``side[k1][k2]...``, or None when that side failed or lacks the figure."""
    value: Any = side
    for key in keys:
        if not isinstance(value, dict) or key not in value:
            return None
        value = value[key]
    return float(value)


def memory_rows(ours: dict[str, Any], sdv: dict[str, Any]) -> list[Row]:
    """Peak RSS of the whole worker, and the part fitting and sampling added."""

    def growth(side: dict[str, Any]) -> float | None:
        peak, loaded = (
            figure(side, "fit_sample_peak_rss_mb"),
            figure(side, "rss_after_load_mb"),
        )
        return None if peak is None or loaded is None else peak - loaded

    return [
        Row(
            "peak RSS (MB, whole process: imports, data, fit, sample)",
            figure(ours, "peak_rss_mb"),
            figure(sdv, "peak_rss_mb"),
            "lower",
            "{:,.0f}",
        ),
        Row(
            "  peak RSS growth in fit + sample (MB)",
            growth(ours),
            growth(sdv),
            "lower",
            "{:,.0f}",
        ),
    ]


def fidelity_rows(
    data: str, figures: dict[str, Any], *, ml_floor: float | None = None
) -> list[Row]:
    """sdmetrics quality and ML efficacy rows; ours must match or beat SDV's."""
    spec = DATASETS[data]
    ours, sdv = figures["ours"], figures["sdv"]
    rows = [
        Row(
            "sdmetrics quality",
            figure(ours, "quality", "overall"),
            figure(sdv, "quality", "overall"),
            "higher",
            goal_text="≥ SDV",
        )
    ]
    for prop in ("Column Shapes", "Column Pair Trends"):
        rows.append(
            Row(
                f"  {prop.lower()}",
                figure(ours, "quality", prop),
                figure(sdv, "quality", prop),
                "higher",
            )
        )
    rows.append(
        Row(
            "synthetic rows copying a training row (%)",
            figure(ours, "copied_rows_pct"),
            figure(sdv, "copied_rows_pct"),
            "lower",
            "{:.2f}",
        )
    )
    goal = "≥ SDV" + (f", > {ml_floor:g}" if ml_floor is not None else "")
    rows += [
        Row(
            f"ML efficacy ratio ({spec.score_name}, synthetic ÷ real)",
            figure(ours, "ml", "ratio"),
            figure(sdv, "ml", "ratio"),
            "higher",
            goal_text=goal,
            floor=ml_floor,
        ),
        Row(
            f"  {spec.score_name} trained on synthetic "
            f"(real: {figures['real_ml_score']:.3f})",
            figure(ours, "ml", "score"),
            figure(sdv, "ml", "score"),
            "higher",
        ),
    ]
    return rows


def errors_note(figures: dict[str, Any]) -> str:
    lines = [
        f"- {name} did not run: {side['error']}"
        for name, side in (("ours", figures["ours"]), ("SDV", figures["sdv"]))
        if "error" in side
    ]
    return "\n".join(lines)

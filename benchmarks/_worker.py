"""Fit and sample one (library, method, data set) in this process, then report.

Run by the benchmark scripts, one subprocess per model, so that the peak
resident memory belongs to that model alone (see :class:`MemoryProbe`). Writes
``result.json`` (timings and memory) and ``synthetic.pkl`` (the synthetic
rows, for the parent to score) into ``--out``.

Timing definitions, the same for both libraries:

- ``fit_s``: wall time of the whole ``fit`` call.
- ``epoch_s``: wall time of each training epoch after the first (the first
  one carries warm-up), taken from ours' progress events and from the epoch
  loop of SDV's ``ctgan`` models; ``epoch_cpu_s`` the CPU time of the process
  (all threads) over the same epochs, which a busy machine disturbs less.
- ``transformer_fit_s``: fitting the mode-specific normalisation and one-hot
  encoders alone: ``genesis.data.TableTransformer.fit`` on the prepared table
  for ours, ``ctgan.data_transformer.DataTransformer.fit`` exactly as SDV
  calls it inside its fit for SDV.
- ``sample_s``: wall time of generating as many rows as the training split.
- ``sample_warm_s``: the same, best of two more calls (first-call set-up
  left out; the scored rows and the memory figures come from the first call).
"""

from __future__ import annotations

import argparse
import itertools
import json
import resource
import sys
import time
import warnings
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any, ClassVar

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import discrete_columns, load_split, sdv_metadata_dict


def _status_mb(field: str) -> float | None:
    """A memory line of /proc/self/status in MiB, or None off Linux."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) / 1024.0
    except OSError:
        return None
    return None


class MemoryProbe:
    """Peak resident memory of this process, before and after the data is loaded.

    Reads VmHWM from /proc, not ``ru_maxrss``: on Linux ``ru_maxrss`` carries
    over the parent's size from before ``exec``, so a worker started by a
    parent that has grown would report the parent's memory. After loading,
    the high-water mark is reset (``/proc/self/clear_refs``) so that the
    growth during fit and sampling can be read on its own.
    """

    def __init__(self) -> None:
        self.load_peak: float | None = None
        self.after_load: float | None = None

    def loaded(self) -> None:
        self.load_peak = _status_mb("VmHWM")
        self.after_load = _status_mb("VmRSS")
        try:
            with open("/proc/self/clear_refs", "w") as clear:
                clear.write("5")
        except OSError:
            return

    def report(self, result: dict[str, Any]) -> None:
        work_peak = _status_mb("VmHWM")
        if work_peak is None or self.load_peak is None or self.after_load is None:
            result["peak_rss_mb"] = (
                resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
            )
            return
        result["peak_rss_mb"] = max(self.load_peak, work_peak)
        result["rss_after_load_mb"] = self.after_load
        result["fit_sample_peak_rss_mb"] = work_peak


def epoch_durations(ends: list[float]) -> list[float]:
    """Durations of epochs 2..N from the times epochs 1..N ended."""
    return [b - a for a, b in itertools.pairwise(ends)]


def run_ours(
    args: argparse.Namespace, result: dict[str, Any], memory: MemoryProbe
) -> Any:
    import numpy as np

    from genesis import SyntheticGenerator

    train, _ = load_split(args.data, args.drop)
    discrete = discrete_columns(train)
    memory.loaded()

    config: dict[str, Any] = {}
    backend = None
    if args.method in ("ctgan", "tvae"):
        config["epochs"] = args.epochs
        config["training_precision"] = args.training_precision
        config["sampling_precision"] = args.sampling_precision
        backend = "torch"
    generator = SyntheticGenerator(
        method=args.method, config=config, backend=backend, seed=args.seed
    )

    epoch_ends: dict[int, tuple[float, float]] = {}

    def on_progress(event: Any) -> None:
        if event.total == args.epochs and event.step >= 1:
            epoch_ends.setdefault(
                event.step, (time.perf_counter(), time.process_time())
            )

    start = time.perf_counter()
    generator.fit(train, discrete_columns=discrete, progress=on_progress)
    result["fit_s"] = time.perf_counter() - start

    start = time.perf_counter()
    synthetic = generator.generate(len(train))
    result["sample_s"] = time.perf_counter() - start
    memory.report(result)
    result["sample_warm_s"] = _warm_sample_s(lambda: generator.generate(len(train)))

    if args.method in ("ctgan", "tvae"):
        ends = [epoch_ends[k] for k in sorted(epoch_ends)]
        result["epoch_s"] = epoch_durations([wall for wall, _ in ends])
        result["epoch_cpu_s"] = epoch_durations([cpu for _, cpu in ends])
        result["epochs_seen"] = len(ends)
        result["loss_history_len"] = len(generator.loss_history_)
        result["bfloat16_products"] = generator._impl.mixed_precision_
        # The transformer alone, on the same prepared table the fit used.
        from genesis.data import TablePreparer, TableTransformer

        rng = np.random.default_rng(args.seed)
        prepared = TablePreparer(generator.metadata_).fit_transform(train, rng)
        start = time.perf_counter()
        TableTransformer().fit(prepared, rng)
        result["transformer_fit_s"] = time.perf_counter() - start
    return synthetic


class _EpochClock:
    """Stands in for ``tqdm`` in ctgan's epoch loop and notes when each epoch ends."""

    ends: ClassVar[list[tuple[float, float]]] = []

    def __init__(self, iterable: Iterable[int], *args: Any, **kwargs: Any) -> None:
        self._iterable = iterable
        _EpochClock.ends = []

    def __iter__(self) -> Iterator[int]:
        first = True
        for item in self._iterable:
            if not first:
                _EpochClock.ends.append((time.perf_counter(), time.process_time()))
            first = False
            yield item
        _EpochClock.ends.append((time.perf_counter(), time.process_time()))

    def set_description(self, *args: Any, **kwargs: Any) -> None:
        return None


def _timed_transformer(base: type, record: dict[str, Any]) -> type:
    """A subclass of ctgan's DataTransformer whose ``fit`` notes its wall time."""

    class TimedDataTransformer(base):  # type: ignore[misc, valid-type]
        def fit(self, *args: Any, **kwargs: Any) -> Any:
            start = time.perf_counter()
            out = super().fit(*args, **kwargs)
            record["transformer_fit_s"] = time.perf_counter() - start
            return out

    return TimedDataTransformer


def run_sdv(
    args: argparse.Namespace, result: dict[str, Any], memory: MemoryProbe
) -> Any:
    import numpy as np
    import torch
    from sdv.metadata import Metadata
    from sdv.single_table import (
        CTGANSynthesizer,
        GaussianCopulaSynthesizer,
        TVAESynthesizer,
    )

    train, _ = load_split(args.data, args.drop)
    memory.loaded()
    metadata = Metadata.load_from_dict(sdv_metadata_dict(train, args.data))
    np.random.seed(args.seed)
    torch.manual_seed(args.seed)

    if args.method == "gaussian_copula":
        synthesizer = GaussianCopulaSynthesizer(metadata)
    else:
        import ctgan.synthesizers.ctgan as ctgan_module
        import ctgan.synthesizers.tvae as tvae_module

        module = ctgan_module if args.method == "ctgan" else tvae_module
        module.tqdm = _EpochClock  # type: ignore[attr-defined]
        module.DataTransformer = _timed_transformer(module.DataTransformer, result)
        cls = CTGANSynthesizer if args.method == "ctgan" else TVAESynthesizer
        synthesizer = cls(metadata, epochs=args.epochs, verbose=False)

    start = time.perf_counter()
    synthesizer.fit({args.data: train})  # sdv 2 takes and returns {table: frame}
    result["fit_s"] = time.perf_counter() - start

    start = time.perf_counter()
    synthetic = synthesizer.sample(num_rows=len(train))[args.data]
    result["sample_s"] = time.perf_counter() - start
    memory.report(result)
    result["sample_warm_s"] = _warm_sample_s(
        lambda: synthesizer.sample(num_rows=len(train))
    )
    if args.method != "gaussian_copula":
        result["epoch_s"] = epoch_durations([wall for wall, _ in _EpochClock.ends])
        result["epoch_cpu_s"] = epoch_durations([cpu for _, cpu in _EpochClock.ends])
        result["epochs_seen"] = len(_EpochClock.ends)
    return synthetic


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--library", choices=["ours", "sdv"], required=True)
    parser.add_argument(
        "--method", choices=["gaussian_copula", "ctgan", "tvae"], required=True
    )
    parser.add_argument("--data", required=True)
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--training-precision",
        choices=["auto", "float32", "bfloat16"],
        default="auto",
        help="our config key training_precision (SDV trains in float32)",
    )
    parser.add_argument(
        "--sampling-precision",
        choices=["auto", "float32", "bfloat16"],
        default="auto",
        help="our config key sampling_precision (SDV samples in float32)",
    )
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument(
        "--drop", type=lambda text: [c for c in text.split(",") if c], default=[]
    )
    args = parser.parse_args(argv)

    warnings.filterwarnings("ignore")
    result: dict[str, Any] = {
        "library": args.library,
        "method": args.method,
        "data": args.data,
    }
    runner: Callable[[argparse.Namespace, dict[str, Any], MemoryProbe], Any] = (
        run_ours if args.library == "ours" else run_sdv
    )
    synthetic = runner(args, result, MemoryProbe())
    result["rows"] = len(synthetic)
    args.out.mkdir(parents=True, exist_ok=True)
    synthetic.to_pickle(args.out / "synthetic.pkl")
    (args.out / "result.json").write_text(json.dumps(result, indent=2))


def _warm_sample_s(sample: Any) -> float:
    """Best wall time of two more sampling calls, once first-call costs are paid."""
    times = []
    for _ in range(2):
        start = time.perf_counter()
        sample()
        times.append(time.perf_counter() - start)
    return min(times)


if __name__ == "__main__":
    main()

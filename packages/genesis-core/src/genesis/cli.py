"""The ``genesis`` command: fit, schema, generate, evaluate, plugins and demo."""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import math
import re
import signal
import sys
import threading
import time
import warnings
from collections.abc import Iterator, Sequence
from pathlib import Path

import pandas as pd
from tqdm.auto import tqdm

from genesis import __version__, _cli_tables, _io
from genesis._cli_paths import (
    OUTPUT_OPTION,
    given,
    refuse_existing,
    refuse_non_model,
    refuse_same_files,
)
from genesis._csv_layout import DECIMAL_MARKS
from genesis._generator import SyntheticGenerator
from genesis._registry import get_registry
from genesis._streaming import (
    DEFAULT_BATCH_ROWS,
    MAX_ROWS,
    file_format,
    write_rows,
)
from genesis._table_files import (
    SEPARATORS,
    read_table,
    read_table_and_layout,
    text_columns_of,
)
from genesis.constraints._rules import read_rules_file
from genesis.data import check_training_frame
from genesis.errors import GenesisError, InvalidConfigError, InvalidDataError
from genesis.evaluation._report import DEFAULT_MAX_PLOTS
from genesis.metadata import TableMetadata

__all__ = ["main"]

logger = logging.getLogger("genesis.cli")

DEMO_DIR = "genesis-demo-output"
DEVICES = ("cpu", "cuda", "auto")
# The library's keyword arguments that options of the command set, for the
# library's messages about them (checked where only the library can).
KEYWORD_OPTIONS = {"device": "--device", "backend": "--backend"}
# The loggers ``-v`` turns to debug: the core's, and the distributions'
# (plugins from elsewhere log under their own names and keep their level).
VERBOSE_LOGGERS = ("genesis", "genesis_torch", "genesis_jax", "genesis_llm")
# Python's own way of showing a warning, to tell whether anything replaced it.
_PYTHON_SHOWWARNING = warnings.showwarning


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    parser = _parser()
    args = parser.parse_args(argv)
    handler = logging.StreamHandler()
    handler.setFormatter(_LogLines())
    logging.basicConfig(level=logging.WARNING, handlers=[handler])
    if args.verbose:
        # Ours only: other libraries' debug logs (matplotlib's font search,
        # say) would bury what the fit reports.
        for package in VERBOSE_LOGGERS:
            logging.getLogger(package).setLevel(logging.DEBUG)
    try:
        with _plain_warnings(), _terminate_as_interrupt():
            return args.run(args)
    except GenesisError as exc:
        print(f"genesis: {_as_flags(str(exc))}", file=sys.stderr)
        return 2
    except _Terminated:
        print("genesis: terminated", file=sys.stderr)
        return 128 + signal.SIGTERM
    except KeyboardInterrupt:
        print("genesis: interrupted", file=sys.stderr)
        return 130


class _Terminated(KeyboardInterrupt):
    """SIGTERM, raised where the command is, so it stops as Ctrl-C does."""


@contextlib.contextmanager
def _terminate_as_interrupt() -> Iterator[None]:
    """Stop on SIGTERM (``timeout``, ``kill``, a cancelled job) as on Ctrl-C.

    Python's default for SIGTERM ends the process at once, so a file being
    written was left behind as a hidden temporary (``.out.csv.x8d2``, tens of
    MB each time); raised as an interrupt, the writers' clean-up runs. Left
    alone off the main thread, and where the program running ``main`` has a
    handler of its own.
    """
    if (
        threading.current_thread() is not threading.main_thread()
        or signal.getsignal(signal.SIGTERM) is not signal.SIG_DFL
    ):
        yield
        return

    def stop(signum: int, frame: object) -> None:
        raise _Terminated

    signal.signal(signal.SIGTERM, stop)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)


class _LogLines(logging.Formatter):
    """A logged warning or error as the command's own ``genesis: warning:``
    lines; the debug and info lines of ``-v`` with their level and logger."""

    def __init__(self) -> None:
        super().__init__("%(levelname)s %(name)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        if record.levelno < logging.WARNING:
            return super().format(record)
        level = "warning" if record.levelno == logging.WARNING else "error"
        return f"genesis: {level}: {_as_flags(record.getMessage())}"


def _as_flags(message: str) -> str:
    """``message`` with the keyword arguments the command passed for its
    options written as those options: ``device='cpu'`` as ``--device cpu``.

    The library checks these where only it can (whether a GPU is there,
    whether a backend is installed), and its message speaks Python.
    """
    for keyword, option in KEYWORD_OPTIONS.items():
        message = re.sub(rf"\b{keyword}='([^']*)'", rf"{option} \1", message)
        # "(asked by backend=)": the keyword alone, no value after it.
        message = re.sub(rf"\b{keyword}=(?=[\s);,.]|$)", option, message)
    return message


@contextlib.contextmanager
def _plain_warnings() -> Iterator[None]:
    """Print warnings as ``genesis: warning: ...``, without the file and
    source line Python adds, which name our code, not the user's command.

    Left alone when something records warnings already (a test, or a
    program that runs ``main``)."""
    if warnings.showwarning is not _PYTHON_SHOWWARNING:
        yield
        return

    def show(message: Warning | str, *_: object, **__: object) -> None:
        print(f"genesis: warning: {message}", file=sys.stderr)

    warnings.showwarning = show
    try:
        yield
    finally:
        warnings.showwarning = _PYTHON_SHOWWARNING


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="genesis",
        description="Learn real tables and generate synthetic data that keeps "
        "their patterns.",
    )
    parser.add_argument("--version", action="version", version=f"genesis {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log what happens")
    commands = parser.add_subparsers(dest="command", required=True)

    fit = commands.add_parser(
        "fit",
        help="fit a generator on a CSV or Parquet table, or on related tables "
        "(a folder or several files, one table per file)",
    )
    fit.add_argument(
        "data",
        type=Path,
        nargs="+",
        help="one table file; or a folder of them, or several, for related tables",
    )
    fit.add_argument(
        "-o", "--output", type=Path, required=True, help="model file to write"
    )
    fit.add_argument(
        "--method",
        default=None,
        help="the method (default auto; gaussian_copula for related tables, "
        "which also take TABLE=METHOD,... or a JSON object by table)",
    )
    fit.add_argument("--backend", default=None)
    fit.add_argument(
        "--device",
        type=_device,
        default=None,
        help="cpu, cuda, cuda:N (the GPU numbered N) or auto (neural methods; "
        "default auto)",
    )
    fit.add_argument(
        "--discrete",
        default="",
        help="comma-separated discrete columns (TABLE.COLUMN for related "
        "tables, or a JSON object of lists by table)",
    )
    fit.add_argument(
        "--config",
        default="{}",
        help="the method's config as JSON (for related tables: one for every "
        "table, or an object of configs by table)",
    )
    _add_schema_argument(fit, "related tables: their keys and relationships")
    fit.add_argument("--seed", type=int, default=None)
    fit.add_argument(
        "--datetime",
        action="append",
        default=[],
        metavar="COLUMN=FORMAT",
        help="a column of dates Genesis does not read as dates by itself, with "
        "its strftime layout, such as day=%%Y%%m%%d for 20240320 "
        "(TABLE.COLUMN=FORMAT for related tables); repeatable",
    )
    fit.add_argument(
        "--identifier",
        action="append",
        default=[],
        metavar="COLUMN",
        help="a column that identifies rows (names, emails, codes): generated "
        "afresh, never copied from real rows (TABLE.COLUMN for related tables); "
        "repeatable",
    )
    fit.add_argument(
        "--constraints",
        type=Path,
        default=None,
        help="JSON file with a list of rules every generated row keeps, such as "
        '[{"kind": "inequality", "low": "start", "high": "end"}]; for related '
        'tables an object of such lists by table, {"orders": [...]}',
    )
    _add_csv_arguments(fit)
    fit.set_defaults(run=_run_fit)

    schema = commands.add_parser(
        "schema",
        help="detect the keys and relationships of related tables, or check a "
        "schema file against them",
    )
    schema.add_argument(
        "data", type=Path, nargs="+", help="a folder of table files, or several"
    )
    schema.add_argument(
        "-o",
        "--output",
        type=Path,
        default=None,
        help="write the schema here as JSON, to edit and pass to fit --schema",
    )
    _add_schema_argument(schema, "a schema to check instead of detecting one")
    _add_csv_arguments(schema)
    schema.set_defaults(run=_cli_tables.run_schema)

    generate = commands.add_parser("generate", help="generate rows from a model file")
    generate.add_argument("model", type=Path)
    generate.add_argument(
        "-n",
        "--rows",
        type=_row_count,
        default=None,
        help="rows to generate, 0 or more (single-table models)",
    )
    generate.add_argument(
        "-o",
        "--out",
        "--output",
        dest="output",
        type=Path,
        required=True,
        help="file to write (.parquet or .csv), written in batches; for related "
        "tables, a folder that gets one file per table",
    )
    generate.add_argument(
        "--scale",
        type=float,
        default=None,
        help="related tables: rows per table as a multiple of the real ones "
        "(default 1)",
    )
    generate.add_argument(
        "--format",
        choices=_cli_tables.FORMATS,
        default=None,
        help="related tables: the files' format (default csv); a single table's "
        "format is its file's suffix",
    )
    generate.add_argument(
        "--batch-size",
        type=_batch_size,
        default=DEFAULT_BATCH_ROWS,
        help=f"rows generated and written at a time (default {DEFAULT_BATCH_ROWS})",
    )
    generate.add_argument(
        "--overwrite",
        action="store_true",
        help="replace the file named by -o, or for related tables the files of "
        "the same names in the output folder (refused otherwise, so real "
        "tables are never written over)",
    )
    generate.add_argument(
        "--separator",
        type=_separator,
        default=None,
        help="the separator of the CSV files written: ',', ';', '|' or tab "
        "(default: that of the file the model was fitted on, else ',')",
    )
    generate.add_argument(
        "--decimal",
        choices=DECIMAL_MARKS,
        default=None,
        help="the decimal mark of numbers in the CSV files written (default: "
        "that of the file the model was fitted on, else '.')",
    )
    generate.add_argument(
        "--encoding",
        default=None,
        help="the text encoding of the CSV files written; utf-8-sig starts "
        "them with a byte order mark (default: that of the file the model was "
        "fitted on, else utf-8)",
    )
    generate.add_argument("--seed", type=int, default=None)
    generate.add_argument("--backend", default=None)
    generate.add_argument(
        "--device",
        type=_device,
        default=None,
        help="cpu, cuda, cuda:N (the GPU numbered N) or auto (neural methods)",
    )
    generate.set_defaults(run=_run_generate)

    evaluate = commands.add_parser(
        "evaluate", help="score synthetic data against real data"
    )
    evaluate.add_argument(
        "real", type=Path, help="the real table, or a folder of related tables"
    )
    evaluate.add_argument(
        "synthetic",
        type=Path,
        help="the synthetic table, or a folder with a file per real table",
    )
    _add_schema_argument(evaluate, "related tables: their keys and relationships")
    evaluate.add_argument(
        "--holdout",
        type=Path,
        default=None,
        help="real rows the generator did not see (ML efficacy tests on them; "
        "privacy compares against them)",
    )
    evaluate.add_argument(
        "--target", default=None, help="the column ML efficacy predicts"
    )
    evaluate.add_argument(
        "--properties",
        default=None,
        help="comma-separated extra properties: ml_efficacy, detection, privacy; "
        "'none' for column shapes and pair trends only (default: all that apply)",
    )
    evaluate.add_argument(
        "--ml-model",
        default="auto",
        choices=["auto", "linear", "gradient_boosting"],
        help="model for ML efficacy and detection (gradient_boosting needs "
        "scikit-learn)",
    )
    evaluate.add_argument("--seed", type=int, default=0)
    evaluate.add_argument(
        "--html", type=Path, default=None, help="write the HTML report here"
    )
    evaluate.add_argument(
        "--max-plots",
        type=_plot_count,
        default=DEFAULT_MAX_PLOTS,
        help=f"columns the HTML report plots, weakest first (default "
        f"{DEFAULT_MAX_PLOTS}; 'all' for every one)",
    )
    evaluate.add_argument(
        "--json", type=Path, default=None, help="write the scores here"
    )
    _add_csv_arguments(evaluate)
    evaluate.set_defaults(run=_run_evaluate)

    plugins = commands.add_parser("plugins", help="list installed plugins and methods")
    plugins.set_defaults(run=_run_plugins)

    demo = commands.add_parser(
        "demo", help="fit the copula on the bundled UCI Adult data and write a report"
    )
    demo.add_argument(
        "-o",
        "--output-dir",
        type=Path,
        default=Path(DEMO_DIR),
        help=f"folder for the synthetic rows, model and report (default {DEMO_DIR})",
    )
    demo.add_argument(
        "--method",
        default="gaussian_copula",
        help="generator method (default gaussian_copula; ctgan and tvae need a "
        "backend)",
    )
    demo.add_argument(
        "--seed", type=int, default=0, help="seed of the fit and the rows (default 0)"
    )
    demo.set_defaults(run=_run_demo)
    return parser


def _add_schema_argument(command: argparse.ArgumentParser, what: str) -> None:
    command.add_argument(
        "--schema",
        type=Path,
        default=None,
        help=f"JSON file as `genesis schema -o` writes it: {what} (default: "
        "detected from the data, and printed)",
    )


def _add_csv_arguments(command: argparse.ArgumentParser) -> None:
    command.add_argument(
        "--separator",
        type=_separator,
        default=None,
        help="the separator of the CSV files: ',', ';', '|' or tab (default: "
        "detected from each file's first lines). Where it is not ',', a column "
        "of numbers written with decimal commas (6,74) is read as numbers",
    )
    command.add_argument(
        "--encoding",
        default="utf-8",
        help="the text encoding of the CSV files (default utf-8; latin-1 or "
        "cp1252 for many files saved by spreadsheets)",
    )


def _plot_count(text: str) -> int | None:
    if text == "all":
        return None
    try:
        count = int(text)
    except ValueError:
        count = -1
    if count < 0:
        raise argparse.ArgumentTypeError(
            f"{text!r} is neither a whole number of 0 or more nor 'all'"
        )
    return count


def _row_count(text: str) -> int:
    count = _whole_number(text)
    if count is None or count < 0:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a whole number of rows, 0 or more"
        )
    if count > MAX_ROWS:
        raise argparse.ArgumentTypeError(
            f"{text!r} is more rows than pandas can number ({MAX_ROWS:,})"
        )
    return count


def _batch_size(text: str) -> int:
    size = _whole_number(text)
    if size is None or size < 1:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a whole number of rows above 0; the default is "
            f"{DEFAULT_BATCH_ROWS}"
        )
    return size


def _whole_number(text: str) -> int | None:
    try:
        return int(text)
    except ValueError:
        return None


def _device(text: str) -> str:
    kind, colon, number = text.partition(":")
    if text in DEVICES or (kind == "cuda" and colon and number.isdigit()):
        return text
    raise argparse.ArgumentTypeError(
        f"{text!r} is not a device; use cpu, cuda, cuda:N (such as cuda:1) or auto"
    )


def _separator(text: str) -> str:
    separator = "\t" if text in ("tab", "\\t") else text
    if separator not in SEPARATORS:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not one of ',', ';', '|' or 'tab'"
        )
    return separator


def _write_table(frame: pd.DataFrame, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix == ".parquet":
        frame.to_parquet(path, index=False)
    else:
        frame.to_csv(path, index=False)


def _declared_metadata(
    data: pd.DataFrame, discrete: list[str], specs: list[str], identifiers: list[str]
) -> TableMetadata | None:
    """The inferred metadata with each ``--datetime COLUMN=FORMAT`` and
    ``--identifier COLUMN`` declared; None when there is none.

    Raises:
        InvalidDataError: A spec has no ``=``, names a column the table lacks,
            or its layout does not suit the column (the message names it).
    """
    if not specs and not identifiers:
        return None
    metadata = TableMetadata.infer(data, check_training_frame(data, discrete))
    for column in identifiers:
        if column not in data.columns:
            raise InvalidDataError(
                f"--identifier names column {column!r}, which the table does not "
                f"have; its columns are {list(data.columns)!r}."
            )
        metadata.update_column(column, "identifier")
    for spec in specs:
        column, equals, layout = spec.partition("=")
        if not equals or not column or not layout:
            raise InvalidDataError(
                f"--datetime takes COLUMN=FORMAT, such as day=%Y%m%d; got {spec!r}."
            )
        if column not in data.columns:
            raise InvalidDataError(
                f"--datetime names column {column!r}, which the table does not "
                f"have; its columns are {list(data.columns)!r}."
            )
        metadata.update_column(column, "datetime", datetime_format=layout)
    return metadata


def _run_fit(args: argparse.Namespace) -> int:
    if _cli_tables.is_database(args.data, args.schema):
        return _cli_tables.run_fit(args)
    args.data = args.data[0]
    if args.method is None:
        args.method = "auto"
    return _run_table_fit(args)


def _run_table_fit(args: argparse.Namespace) -> int:
    refuse_same_files(
        {OUTPUT_OPTION: args.output},
        {"the table": [args.data], "--constraints": given(args.constraints)},
    )
    refuse_non_model(OUTPUT_OPTION, args.output)
    # A bad rules file is reported before a large table is read.
    constraints = None
    if args.constraints is not None:
        path = args.constraints
        constraints = read_rules_file(path, f"--constraints file {str(path)!r}")
    data, layout = read_table_and_layout(
        args.data, separator=args.separator, encoding=args.encoding
    )
    try:
        config = json.loads(args.config)
    except json.JSONDecodeError as exc:
        raise InvalidDataError(f"--config is not valid JSON: {exc}") from None
    discrete = [c for c in args.discrete.split(",") if c]
    metadata = _declared_metadata(data, discrete, args.datetime, args.identifier)
    generator = SyntheticGenerator(
        method=args.method,
        config=config,
        backend=args.backend,
        seed=args.seed,
        device=args.device,
        constraints=constraints,
    )
    started = time.perf_counter()
    with _cli_tables.command_line_warnings(None, data.columns):
        generator.fit(data, discrete_columns=discrete, metadata=metadata)
    generator.save(args.output)
    if layout is not None:
        _cli_tables.write_layouts(args.output, {None: layout})
    print(
        f"Fitted {generator.method_} on {len(data)} rows in "
        f"{time.perf_counter() - started:.1f} s; model written to {args.output}"
    )
    return 0


def _run_generate(args: argparse.Namespace) -> int:
    if _cli_tables.holds_related_tables(args.model):
        return _cli_tables.run_generate(args)
    if args.rows is None:
        raise InvalidConfigError(
            f"{args.model} holds a single-table model; say how many rows to "
            "generate with -n/--rows."
        )
    if args.scale is not None:
        raise InvalidConfigError(
            f"--scale is for related tables; {args.model} holds a single-table "
            "model, which takes -n/--rows."
        )
    if args.format is not None and args.format != file_format(args.output):
        # Before, --format parquet wrote a CSV file to out.csv without a word.
        raise InvalidConfigError(
            f"--format {args.format} asks for {args.format}, but a single table "
            f"is written in the format of its file's suffix ({args.output} is "
            f"{file_format(args.output)}); name the file out.{args.format}."
        )
    refuse_same_files({OUTPUT_OPTION: args.output}, {"the model": [args.model]})
    if not args.overwrite:
        refuse_existing(OUTPUT_OPTION, [args.output])
    is_csv = file_format(args.output) == "csv"
    stored = _cli_tables.stored_layouts(args.model, _io.SINGLE_TABLE)
    layout = _cli_tables.csv_layout_option(args, is_csv, stored.get(None))
    generator = SyntheticGenerator.load(
        args.model, backend=args.backend, device=args.device
    )
    started = time.perf_counter()
    batches = generator.iter_batches(args.rows, args.batch_size, seed=args.seed)
    empty = generator.generate(0, seed=0)
    with tqdm(total=args.rows, desc="Generating", unit="rows", disable=None) as bar:
        written = write_rows(batches, args.output, empty, bar.update, layout)
    print(
        f"Wrote {written} synthetic rows to {args.output} in "
        f"{time.perf_counter() - started:.1f} s"
    )
    return 0


def _run_evaluate(args: argparse.Namespace) -> int:
    from genesis.evaluation import evaluate

    if args.real.is_dir() or args.synthetic.is_dir() or args.schema is not None:
        if not (args.real.is_dir() and args.synthetic.is_dir()):
            raise InvalidDataError(
                f"Related tables are evaluated folder against folder; "
                f"{args.real} and {args.synthetic} must both be folders of "
                "table files."
            )
        return _cli_tables.run_evaluate(args)
    refuse_same_files(
        {"--json": args.json, "--html": args.html},
        {
            "the real table": [args.real],
            "the synthetic table": [args.synthetic],
            "--holdout": given(args.holdout),
        },
    )
    csv_options = {"separator": args.separator, "encoding": args.encoding}
    real = read_table(args.real, **csv_options)
    # A column of the real table read as text (codes with leading zeros, say)
    # is text in the other files too, even where their values look numeric.
    text_columns = text_columns_of(real)
    synthetic = read_table(args.synthetic, text_columns, **csv_options)
    holdout = None
    if args.holdout is not None:
        holdout = read_table(args.holdout, text_columns, **csv_options)
    properties = None
    if args.properties is not None:
        names = [p.strip() for p in args.properties.split(",") if p.strip()]
        properties = [] if names == ["none"] else names
    report = evaluate(
        real,
        synthetic,
        holdout=holdout,
        target=args.target,
        properties=properties,
        ml_model=args.ml_model,
        seed=args.seed,
    )
    _print_scores(report)
    if report.privacy is not None and report.privacy["flagged"]:
        for flag in report.privacy["flags"]:
            print(f"  Privacy warning: {flag}")
    if args.json:
        report.to_json(args.json)
        print(f"Scores written to {args.json}")
    if args.html:
        report.to_html(args.html, max_plots=args.max_plots)
        print(f"HTML report written to {args.html}")
    return 0


def _print_scores(report) -> None:
    """The overall score with the two it averages, then the extra scores apart."""
    from genesis.evaluation import EXTRA_PROPERTIES, PROPERTY_TITLES

    averaged = {k: v for k, v in report.properties.items() if k not in EXTRA_PROPERTIES}
    extras = {k: v for k, v in report.properties.items() if k in EXTRA_PROPERTIES}
    titles = " and ".join(PROPERTY_TITLES.get(k, k).lower() for k in averaged)
    reasons = getattr(report, "reasons", {})

    def shown(name: str, value: float) -> str:
        # A score that cannot be given says why instead of printing "nan".
        if math.isnan(value):
            return f"n/a ({reasons.get(name, 'no score')})"
        return f"{value:.3f}"

    overall = shown("overall", report.score)
    print(f"Overall quality score: {overall} (the mean of {titles})")
    for name, value in averaged.items():
        print(f"  {PROPERTY_TITLES.get(name, name)}: {shown(name, value)}")
    if extras:
        print("Scored beside it:")
        for name, value in extras.items():
            print(f"  {PROPERTY_TITLES.get(name, name)}: {shown(name, value)}")
            efficacy = getattr(report, "ml_efficacy", None)
            if name == "ml_efficacy" and efficacy and efficacy.get("metric_note"):
                print(f"    {efficacy['metric_note']}")


def _run_plugins(args: argparse.Namespace) -> int:
    registry = get_registry()
    print("Plugins (entry-point group 'genesis'):")
    for plugin in registry.plugins:
        status = "ok" if plugin.error is None else f"FAILED: {plugin.error}"
        print(f"  {plugin.name:<12} {plugin.distribution} {plugin.version}  [{status}]")
    print("Methods and the backends that serve them:")
    for method in registry.generators.methods():
        backends = registry.generators.backends_for(method)
        owners = ", ".join(
            f"{b} ({registry.generators.owner((method, b))})" for b in backends
        )
        print(f"  {method:<16} {owners}")
    if list(registry.providers):
        print("Text providers:")
        for name in registry.providers:
            print(f"  {name:<16} ({registry.providers.owner(name)})")
    return 0


def _run_demo(args: argparse.Namespace) -> int:
    from genesis.datasets import ADULT_DISCRETE_COLUMNS, load_adult
    from genesis.evaluation import evaluate

    output = args.output_dir
    output.mkdir(parents=True, exist_ok=True)
    steps = ["load data", "fit", "generate", "evaluate", "write report"]
    started = time.perf_counter()
    with tqdm(total=len(steps), desc="genesis demo", unit="step") as bar:
        bar.set_postfix_str(steps[0])
        real = load_adult()
        bar.update()
        bar.set_postfix_str(steps[1])
        fit_started = time.perf_counter()
        generator = SyntheticGenerator(method=args.method, seed=args.seed)
        generator.fit(real, discrete_columns=ADULT_DISCRETE_COLUMNS, progress=False)
        fit_took = time.perf_counter() - fit_started
        bar.update()
        bar.set_postfix_str(steps[2])
        generate_started = time.perf_counter()
        synthetic = generator.generate(len(real))
        generate_took = time.perf_counter() - generate_started
        bar.update()
        bar.set_postfix_str(steps[3])
        report = evaluate(real, synthetic, metadata=generator.metadata_)
        bar.update()
        bar.set_postfix_str(steps[4])
        synthetic_path = output / "adult_synthetic.csv"
        _write_table(synthetic, synthetic_path)
        generator.save(output / "adult.genesis")
        report.to_json(output / "quality_report.json")
        report.to_html(output / "quality_report.html")
        bar.update()
    took = time.perf_counter() - started
    print(
        f"Fitted {generator.method_} on UCI Adult ({len(real)} rows x "
        f"{real.shape[1]} columns) in {fit_took:.2f} s and generated "
        f"{len(synthetic)} rows in {generate_took:.2f} s ({took:.1f} s in all, "
        "with the evaluation and the report)."
    )
    _print_scores(report)
    print(f"Synthetic data: {synthetic_path}")
    print(
        f"Quality report: {output / 'quality_report.html'} "
        "(scores: quality_report.json)"
    )
    print(f"Model file:     {output / 'adult.genesis'}")
    return 0

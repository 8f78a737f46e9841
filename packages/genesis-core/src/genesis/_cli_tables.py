"""The ``genesis`` command on related tables: one CSV or Parquet file per table.

A database is a folder of table files, or several files named one by one;
each table is named after its file's stem (``flights.csv`` is ``flights``).
``genesis fit`` fits a :class:`~genesis.multitable.MultiTableGenerator` on
it, ``genesis schema`` writes the keys and relationships it detects to a JSON
file to edit, ``genesis generate`` writes one file per table, and ``genesis
evaluate`` scores a synthetic folder against a real one.

Everything the user names is checked before any table is fitted: a problem
raises a :class:`~genesis.errors.GenesisError` that names the file, the
table or the column, which the command prints with exit status 2.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import json
import logging
import shlex
import time
import warnings
from collections.abc import Collection, Hashable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from genesis import _io
from genesis._cli_paths import (
    OUTPUT_OPTION,
    given,
    refuse_non_model,
    refuse_same_files,
)
from genesis._csv_layout import LAYOUT_PART, CsvLayout, write_csv_file
from genesis._streaming import PARQUET_SUFFIXES
from genesis._table_files import read_table_and_layout, text_columns_of
from genesis.constraints import Constraint, constraints_from_rules
from genesis.data import check_training_frame
from genesis.errors import (
    BackendNotAvailableError,
    InvalidConfigError,
    InvalidDataError,
    ModelFileError,
)
from genesis.metadata import TableMetadata
from genesis.multitable import (
    MultiTableGenerator,
    RelationalSchema,
    detect_schema,
    find_orphans,
)
from genesis.multitable._schema import check_tables

__all__ = [
    "TABLE_SUFFIXES",
    "csv_layout_option",
    "holds_related_tables",
    "is_database",
    "read_schema",
    "run_evaluate",
    "run_fit",
    "run_generate",
    "run_schema",
    "stored_layouts",
    "table_files",
]

TABLE_SUFFIXES = (".csv", *PARQUET_SUFFIXES)
FORMATS = ("csv", "parquet")
# The advice of the data plane's warning on a column of copied texts.
IDENTIFIER_ADVICE = "genesis fit --identifier "
_RULES_EXAMPLE = '{"orders": [{"kind": "range", "column": "total", "low": 0}]}'


# -- which files, which tables ------------------------------------------------


def is_database(paths: Sequence[Path], schema: Path | None = None) -> bool:
    """Whether the command names related tables rather than one table file."""
    return schema is not None or len(paths) > 1 or paths[0].is_dir()


def table_files(paths: Sequence[Path]) -> dict[str, Path]:
    """The table files of a folder, or of several files, by table name.

    A folder gives the CSV and Parquet files directly inside it (other files
    and hidden ones are left alone); files named one by one are taken as they
    are. Tables are named after the file's stem, in name order for a folder.

    Raises:
        InvalidDataError: A path is missing, a folder holds no table file, a
            file is not CSV or Parquet, or two files share a stem.
    """
    found: dict[str, Path] = {}
    for path in paths:
        if path.is_dir():
            files = sorted(
                p
                for p in path.iterdir()
                if p.is_file()
                and p.suffix.lower() in TABLE_SUFFIXES
                and not p.name.startswith(".")
            )
            if skipped := sorted(
                p.name
                for p in path.iterdir()
                if p.is_file()
                and p.suffix.lower() not in TABLE_SUFFIXES
                and not p.name.startswith(".")
            ):
                print(
                    f"Skipped in {path}: {', '.join(skipped)} (a table is a .csv, "
                    ".parquet or .pq file)."
                )
            if not files:
                raise InvalidDataError(
                    f"{path}: the folder holds no table file (.csv, .parquet or "
                    ".pq); put one file per table in it."
                )
        elif path.is_file():
            if path.suffix.lower() not in TABLE_SUFFIXES:
                raise InvalidDataError(
                    f"{path}: not a table file; give .csv, .parquet or .pq files, "
                    "or a folder of them."
                )
            files = [path]
        else:
            raise InvalidDataError(f"{path}: no such file or folder.")
        for file in files:
            if file.stem in found:
                raise InvalidDataError(
                    f"{found[file.stem]} and {file} would both be table "
                    f"{file.stem!r}; a table is named after its file's stem, so "
                    "rename or remove one of them."
                )
            found[file.stem] = file
    return found


def read_tables(
    files: Mapping[str, Path],
    args: argparse.Namespace,
    text_columns: Mapping[str, Sequence[Hashable]] | None = None,
) -> dict[str, pd.DataFrame]:
    """Each file read as its table, with the command's CSV options."""
    tables, _ = read_tables_and_layouts(files, args, text_columns)
    return tables


def read_tables_and_layouts(
    files: Mapping[str, Path],
    args: argparse.Namespace,
    text_columns: Mapping[str, Sequence[Hashable]] | None = None,
) -> tuple[dict[str, pd.DataFrame], dict[str, CsvLayout]]:
    """Each file read as its table, and the layout of each CSV file."""
    text_columns = text_columns or {}
    tables: dict[str, pd.DataFrame] = {}
    layouts: dict[str, CsvLayout] = {}
    for name, path in files.items():
        tables[name], layout = read_table_and_layout(
            path,
            text_columns.get(name, ()),
            separator=args.separator,
            encoding=args.encoding,
        )
        if layout is not None:
            layouts[name] = layout
    return tables, layouts


# -- the layout of the files written ------------------------------------------------


def write_layouts(model: Path, layouts: Mapping[str | None, CsvLayout]) -> None:
    """Keep in the model file the layouts of the CSV files it was fitted on:
    by table name, or under None for a single table."""
    if not layouts:
        return
    if None in layouts:
        part = {"table": layouts[None].to_json()}
    else:
        part = {"tables": {name: layout.to_json() for name, layout in layouts.items()}}
    _io.write_model_part(model, LAYOUT_PART, part)


def stored_layouts(model: Path, kind: str) -> dict[str | None, CsvLayout]:
    """The layouts :func:`write_layouts` kept in the model file: by table
    name, or under None for a single table; none for a model fitted in
    Python, on Parquet files, or before layouts were kept.

    Raises:
        ModelFileError: The file keeps layouts that are not valid, or not
            of a model of ``kind``.
    """
    part = _io.read_model_part(model, LAYOUT_PART)
    if part is None:
        return {}
    key = "table" if kind == _io.SINGLE_TABLE else "tables"
    if not isinstance(part, dict) or key not in part:
        raise ModelFileError(
            f"{model}: the CSV layouts it keeps lack their {key!r} entry; it may "
            "have been written by another program."
        )
    if kind == _io.SINGLE_TABLE:
        return {None: CsvLayout.from_json(part["table"], str(model))}
    if not isinstance(part["tables"], dict):
        raise ModelFileError(
            f"{model}: the CSV layouts it keeps are not by table; it may have "
            "been written by another program."
        )
    return {
        name: CsvLayout.from_json(layout, f"{model}, table {name!r}")
        for name, layout in part["tables"].items()
    }


def csv_layout_option(
    args: argparse.Namespace, is_csv: bool, stored: CsvLayout | None
) -> CsvLayout:
    """The layout to write a CSV file in: ``stored`` (else comma-separated
    UTF-8 with decimal points), with the ``--separator``, ``--decimal`` and
    ``--encoding`` the command was given in place of its own.

    Raises:
        InvalidConfigError: An option is given for output that is not CSV,
            or the options make no CSV layout.
    """
    given = [
        option
        for option, value in (
            ("--separator", args.separator),
            ("--decimal", args.decimal),
            ("--encoding", args.encoding),
        )
        if value is not None
    ]
    if given and not is_csv:
        raise InvalidConfigError(
            f"{', '.join(given)} set how CSV files are written, and {args.output} "
            "is not written as CSV; leave them out, or write CSV."
        )
    layout = stored or CsvLayout()
    return layout.overridden(args.separator, args.decimal, args.encoding)


# -- the schema file -----------------------------------------------------------


def read_schema(path: Path) -> RelationalSchema:
    """The schema in a JSON file laid out as ``RelationalSchema.to_dict``
    gives it, as ``genesis schema -o`` writes it (a column may also be
    written as its plain name, ``"faa"`` for ``["str", "faa"]``).

    Raises:
        InvalidConfigError: The file cannot be read, is not JSON, or does not
            describe a valid schema; the message names the file.
    """
    name = f"Schema file {str(path)!r}"
    data = _read_json(path, name)
    try:
        return RelationalSchema.from_dict(data)
    except InvalidConfigError as exc:
        raise InvalidConfigError(
            f"{name}: {exc} Write it again with `genesis schema DATA -o FILE` "
            "and edit that."
        ) from None


def write_schema(schema: RelationalSchema, path: Path) -> None:
    target = _io.prepare_target(path)
    target.write_text(json.dumps(schema.to_dict(), indent=2) + "\n", encoding="utf-8")


def check_schema_files(
    schema: RelationalSchema, files: Mapping[str, Path], schema_path: Path
) -> None:
    """Refuse a schema whose tables are not exactly the files' tables.

    Raises:
        InvalidDataError: The schema names a table with no file, or a file's
            table is not in the schema.
    """
    if missing := [name for name in schema.tables if name not in files]:
        raise InvalidDataError(
            f"{schema_path} names table {missing[0]!r}, which has no file "
            f"({missing[0]}.csv or .parquet); the tables found are "
            f"{list(files)!r}. Add the file or remove the table from the schema."
        )
    if extra := [name for name in files if name not in schema.tables]:
        raise InvalidDataError(
            f"{files[extra[0]]}: table {extra[0]!r} is not in {schema_path}, "
            f"whose tables are {schema.tables!r}. Add it to the schema or move "
            "the file away."
        )


def shown_detection(tables: Mapping[str, pd.DataFrame]) -> RelationalSchema:
    """The schema :func:`detect_schema` proposes, printed for the user to check."""
    schema = detect_schema(tables)
    print("Schema detected from the data (check it; to change it, write it with")
    print("`genesis schema DATA -o schema.json`, edit, and pass --schema):")
    print(_indented(schema.describe()))
    return schema


# -- per-table options -------------------------------------------------------------


def parse_methods(text: str | None, tables: Sequence[str]) -> str | dict[str, str]:
    """``--method``: one method, ``table=method,...`` or a JSON object.

    Raises:
        InvalidConfigError: An entry is not ``table=method`` or names an
            unknown table.
    """
    if text is None:
        return "gaussian_copula"
    if text.lstrip().startswith("{"):
        mapping = _json_option(text, "--method")
    elif "=" in text:
        mapping = {}
        for entry in filter(None, (e.strip() for e in text.split(","))):
            table, equals, method = entry.partition("=")
            if not equals or not table or not method:
                raise InvalidConfigError(
                    f"--method entry {entry!r} is not TABLE=METHOD, such as "
                    "flights=ctgan."
                )
            mapping[table.strip()] = method.strip()
    else:
        return text
    _check_tables("--method", mapping, tables)
    return mapping


def parse_discrete(text: str, tables: Sequence[str]) -> dict[str, list[Hashable]]:
    """``--discrete``: ``table.column,...`` or a JSON object of lists by table.

    Raises:
        InvalidConfigError: An entry names no known table.
    """
    if text.lstrip().startswith("{"):
        mapping = _json_option(text, "--discrete")
        _check_tables("--discrete", mapping, tables)
        return mapping
    discrete: dict[str, list[Hashable]] = {}
    for entry in filter(None, (e.strip() for e in text.split(","))):
        table, column = _table_and_column(entry, tables, "--discrete")
        discrete.setdefault(table, []).append(column)
    return discrete


def read_table_constraints(path: Path, tables: Sequence[str]) -> dict[str, Any]:
    """``--constraints``: a JSON file of rule lists by table.

    Raises:
        InvalidConfigError: The file cannot be read or is not JSON, is not an
            object of lists, names an unknown table, or a rule is refused;
            the message names the file, the table and the rule's position.
    """
    name = f"--constraints file {str(path)!r}"
    data = _read_json(path, name)
    if not isinstance(data, dict):
        raise InvalidConfigError(
            f"{name} must map each table to its list of rules, such as "
            f"{_RULES_EXAMPLE}; it holds a {type(data).__name__}."
        )
    _check_tables(name, data, tables)
    constraints: dict[str, list[Constraint]] = {}
    for table, rules in data.items():
        try:
            constraints[table] = constraints_from_rules(rules)
        except InvalidConfigError as exc:
            raise InvalidConfigError(f"{name}, table {table!r}: {exc}") from None
    return constraints


def declared_metadata(
    tables: Mapping[str, pd.DataFrame],
    discrete: Mapping[str, list[Hashable]],
    specs: Sequence[str],
    identifiers: Sequence[str] = (),
) -> dict[str, TableMetadata]:
    """Inferred metadata with each ``--datetime table.column=FORMAT`` and
    ``--identifier table.column`` declared, for the tables they name.

    Raises:
        InvalidDataError: A spec is not ``table.column=FORMAT``, or an option
            names an unknown table or column.
    """
    metadata: dict[str, TableMetadata] = {}

    def column_of(target: str, option: str) -> tuple[TableMetadata, str]:
        table, column = _table_and_column(target, list(tables), option)
        frame = tables[table]
        if column not in frame.columns:
            raise InvalidDataError(
                f"{option} names column {column!r} of table {table!r}, which "
                f"it does not have; its columns are {list(frame.columns)!r}."
            )
        if table not in metadata:
            columns = check_training_frame(frame, discrete.get(table, []))
            metadata[table] = TableMetadata.infer(frame, columns)
        return metadata[table], column

    for target in identifiers:
        declared, column = column_of(target, "--identifier")
        declared.update_column(column, "identifier")
    for spec in specs:
        target, equals, layout = spec.partition("=")
        if not equals or not layout:
            raise InvalidDataError(
                "--datetime takes TABLE.COLUMN=FORMAT for related tables, such as "
                f"orders.day=%Y%m%d; got {spec!r}."
            )
        declared, column = column_of(target, "--datetime")
        declared.update_column(column, "datetime", datetime_format=layout)
    return metadata


# -- warnings ------------------------------------------------------------------


@contextlib.contextmanager
def command_line_warnings(
    table: str | None, columns: Collection[Hashable]
) -> Iterator[None]:
    """Warn what the block warns, about ``table`` (None: the only one) and in
    the command's terms.

    A warning from the fit of one of several tables does not say which it
    is about, and its advice ``genesis fit --identifier COLUMN`` is refused
    for related tables, which take ``TABLE.COLUMN``. Each warning is held
    until the block ends, then warned again starting with its table, the
    option written as the shell takes it (quoted where the name has spaces).
    """
    handlers = logging.getLogger().handlers
    naming = _NamingRecords(table)
    for handler in handlers:
        handler.addFilter(naming)
    try:
        with warnings.catch_warnings(record=True) as caught:
            # The filters stay as they were; only showing is held back.
            yield
    finally:
        for handler in handlers:
            handler.removeFilter(naming)
    for warning in caught:
        text = _identifier_option(str(warning.message), table, columns)
        warnings.warn_explicit(
            _about(table, text), warning.category, warning.filename, warning.lineno
        )


class _NamingRecords(logging.Filter):
    """Starts each logged warning with the table it is about, as
    :func:`command_line_warnings` does warnings."""

    def __init__(self, table: str | None) -> None:
        super().__init__()
        self.table = table

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno >= logging.WARNING and self.table is not None:
            record.msg = _about(self.table, record.getMessage())
            record.args = ()
        return True


def _about(table: str | None, text: str) -> str:
    # A record passes every handler's filters: it is named once.
    if table is None or text.startswith(prefix := f"Table {table!r}: "):
        return text
    return f"{prefix}{text[:1].lower()}{text[1:]}"


def _identifier_option(
    message: str, table: str | None, columns: Collection[Hashable]
) -> str:
    """``message`` with ``genesis fit --identifier COLUMN`` as the command
    takes it for ``table``."""
    start = message.find(IDENTIFIER_ADVICE)
    if start < 0:
        return message
    start += len(IDENTIFIER_ADVICE)
    # The longest name that follows, so that "name" is not taken from "name2".
    named = [str(c) for c in columns if message.startswith(str(c), start)]
    if not named:
        return message
    column = max(named, key=len)
    target = column if table is None else f"{table}.{column}"
    return f"{message[:start]}{shlex.quote(target)}{message[start + len(column) :]}"


class _NamingTables(MultiTableGenerator):
    """A related-tables generator whose fit names the table of each warning
    a table's own fit gives (:func:`command_line_warnings`)."""

    real_columns: Mapping[str, Collection[Hashable]] = {}

    def _fit_table(self, plan: Any, *args: Any, **kwargs: Any) -> None:
        columns = self.real_columns.get(plan.name, ())
        with command_line_warnings(plan.name, columns):
            super()._fit_table(plan, *args, **kwargs)


# -- the commands --------------------------------------------------------------------


def run_fit(args: argparse.Namespace) -> int:
    """``genesis fit DIR|FILES -o MODEL``: fit a MultiTableGenerator."""
    files = table_files(args.data)
    names = list(files)
    refuse_same_files(
        {OUTPUT_OPTION: args.output},
        {
            "the table": files.values(),
            "--schema": given(args.schema),
            "--constraints": given(args.constraints),
        },
    )
    refuse_non_model(OUTPUT_OPTION, args.output)
    # Options are checked before any file is read.
    method = parse_methods(args.method, names)
    discrete = parse_discrete(args.discrete, names)
    config = _json_option(args.config, "--config")
    constraints = None
    if args.constraints is not None:
        constraints = read_table_constraints(args.constraints, names)
    schema = read_schema(args.schema) if args.schema is not None else None
    if schema is not None:
        check_schema_files(schema, files, args.schema)

    tables, layouts = read_tables_and_layouts(files, args)
    if schema is None:
        schema = shown_detection(tables)
    metadata = declared_metadata(tables, discrete, args.datetime, args.identifier)
    generator = _NamingTables(
        schema,
        method=method,
        config=config,
        backend=args.backend,
        seed=args.seed,
        device=args.device,
        constraints=constraints,
    )
    generator.real_columns = {name: frame.columns for name, frame in tables.items()}
    started = time.perf_counter()
    generator.fit(tables, discrete_columns=discrete, metadata=metadata)
    generator.save(args.output)
    write_layouts(args.output, layouts)
    rows = sum(len(frame) for frame in tables.values())
    print(
        f"Fitted {len(tables)} tables ({rows} rows) in "
        f"{time.perf_counter() - started:.1f} s; model written to {args.output}"
    )
    for name, table_generator in generator.generators_.items():
        print(f"  {name}: {table_generator.method_}, {len(tables[name])} rows")
    return 0


def run_schema(args: argparse.Namespace) -> int:
    """``genesis schema DIR|FILES [-o FILE] [--schema FILE]``."""
    files = table_files(args.data)
    refuse_same_files(
        {OUTPUT_OPTION: args.output},
        {"the table": files.values(), "--schema": given(args.schema)},
    )
    schema = None
    if args.schema is not None:
        schema = read_schema(args.schema)
        check_schema_files(schema, files, args.schema)
    tables = read_tables(files, args)
    if schema is None:
        schema = detect_schema(tables)
        print("Schema detected from the data:")
    else:
        print(f"Schema of {args.schema}, checked against the data:")
    print(_indented(schema.describe()))
    check_tables(schema, tables)
    for record in find_orphans(schema, tables):
        if record.orphan_rows:
            print(
                f"  {record.relationship.name}: {record.orphan_rows} of "
                f"{record.child_rows} rows name no parent row (for example "
                f"{list(record.examples)!r})"
            )
    if args.output is not None:
        write_schema(schema, args.output)
        print(f"Schema written to {args.output}; edit it and pass it as --schema.")
    return 0


def holds_related_tables(path: Path) -> bool:
    """Whether the model file at ``path`` holds a related-tables model.

    Raises:
        ModelFileError: The file is missing or not a readable model file.
    """
    return _io.read_model_document(path).get(_io.KIND_KEY) == _io.MULTITABLE


def run_generate(args: argparse.Namespace) -> int:
    """``genesis generate MODEL -o DIR [--scale X]``: one file per table."""
    if args.rows is not None:
        raise InvalidConfigError(
            f"{args.model} holds related tables, which take --scale (rows as a "
            "multiple of the real ones), not -n/--rows."
        )
    if args.scale is not None and not args.scale > 0:
        raise InvalidConfigError(f"--scale must be above 0, got {args.scale}.")
    args.format = args.format or "csv"
    output: Path = args.output
    if output.exists() and not output.is_dir():
        raise InvalidDataError(
            f"{output}: is a file; related tables are written to a folder, one "
            "file per table. Name a folder."
        )
    if args.format == "parquet":
        # Checked first, so that no table is written when another cannot be.
        _check_parquet_writer()
    stored = stored_layouts(args.model, _io.MULTITABLE)
    generator = MultiTableGenerator.load(
        args.model, backend=args.backend, device=args.device
    )
    layouts = {
        name: csv_layout_option(args, args.format == "csv", stored.get(name))
        for name in generator.schema_.tables
    }
    paths = {
        name: output / f"{name}.{args.format}" for name in generator.schema_.tables
    }
    refuse_same_files(
        {f"{OUTPUT_OPTION}, table {name!r}": path for name, path in paths.items()},
        {"the model": [args.model]},
    )
    if not args.overwrite:
        _refuse_existing_files(
            output, [path for path in paths.values() if path.exists()]
        )
    # Related tables are built whole in memory before any file is written:
    # say how much is coming, so a large --scale is no silent wait.
    real_rows = sum(plan.real_rows for plan in generator._fitted().values())
    scale = 1.0 if args.scale is None else args.scale
    print(
        f"Generating about {scale * real_rows:,.0f} rows ({scale:g} x the "
        f"{real_rows:,} real rows of {len(generator.schema_.tables)} tables), in "
        "memory, then writing one file per table."
    )
    started = time.perf_counter()
    database = generator.generate(scale=args.scale, seed=args.seed)
    took = time.perf_counter() - started
    output.mkdir(parents=True, exist_ok=True)
    # Each table is written under a hidden name, and all are renamed once
    # all are written: a table that cannot be written (a character its
    # encoding lacks) leaves neither itself nor the others half-done.
    partial = {
        name: path.with_name(f".{path.name}.partial") for name, path in paths.items()
    }
    try:
        for name, frame in database.items():
            if args.format == "parquet":
                frame.to_parquet(partial[name], index=False)
            else:
                write_csv_file(frame, partial[name], layouts[name])
        for name, frame in database.items():
            partial[name].replace(paths[name])
            print(f"  {name}: {len(frame)} rows -> {paths[name]}")
    finally:
        for path in partial.values():
            path.unlink(missing_ok=True)
    rows = sum(len(frame) for frame in database.values())
    print(
        f"Generated {len(database)} tables ({rows} rows) in {took:.1f} s into {output}"
    )
    return 0


def _refuse_existing_files(output: Path, existing: list[Path]) -> None:
    """Refuse to write tables over files already in ``output``.

    A folder of related tables is most often made beside the real one, and
    its files are named as the real ones are: ``-o data`` where ``data``
    holds the real tables would replace them with synthetic rows.
    """
    if not existing:
        return
    names = ", ".join(path.name for path in existing)
    raise InvalidDataError(
        f"{output}: already holds {names}, which generating would replace. If "
        "this folder holds the real tables, name another one; to replace "
        "earlier synthetic files, pass --overwrite."
    )


def run_evaluate(args: argparse.Namespace) -> int:
    """``genesis evaluate REAL_DIR SYNTHETIC_DIR [--schema FILE]``."""
    from genesis.evaluation import evaluate_multitable

    for option, value in (
        ("--holdout", args.holdout),
        ("--target", args.target),
        ("--properties", args.properties),
    ):
        if value is not None:
            raise InvalidConfigError(
                f"{option} scores one table; it does not apply to related tables."
            )
    if args.ml_model != "auto":
        raise InvalidConfigError(
            "--ml-model scores one table; it does not apply to related tables."
        )
    real_files = table_files([args.real])
    synthetic_files = table_files([args.synthetic])
    if missing := [name for name in real_files if name not in synthetic_files]:
        raise InvalidDataError(
            f"{args.synthetic}: no file for table {missing[0]!r} of "
            f"{real_files[missing[0]]}; the synthetic folder needs one file per "
            "real table."
        )
    if extra := [name for name in synthetic_files if name not in real_files]:
        raise InvalidDataError(
            f"{synthetic_files[extra[0]]}: table {extra[0]!r} has no real file in "
            f"{args.real}; move it away or add the real table."
        )
    refuse_same_files(
        {"--json": args.json, "--html": args.html},
        {
            "the real table": real_files.values(),
            "the synthetic table": synthetic_files.values(),
            "--schema": given(args.schema),
        },
    )
    schema = read_schema(args.schema) if args.schema is not None else None
    if schema is not None:
        check_schema_files(schema, real_files, args.schema)

    real = read_tables(real_files, args)
    # A column read as text in a real table (codes with leading zeros) is
    # text in its synthetic table too, even where the values look numeric.
    text = {name: text_columns_of(frame) for name, frame in real.items()}
    synthetic = read_tables(synthetic_files, args, text)
    if schema is None:
        schema = shown_detection(real)
    report = evaluate_multitable(real, synthetic, schema, seed=args.seed)
    print(report.summary())
    if args.json:
        report.to_json(args.json, indent=2)
        print(f"Scores written to {args.json}")
    if args.html:
        report.to_html(args.html)
        print(f"HTML report written to {args.html}")
    return 0


# -- helpers -------------------------------------------------------------------------


def _read_json(path: Path, name: str) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise InvalidConfigError(
            f"{name} cannot be read: {exc.strerror or exc}."
        ) from None
    except UnicodeDecodeError:
        raise InvalidConfigError(f"{name} is not UTF-8 text.") from None
    except json.JSONDecodeError as exc:
        raise InvalidConfigError(
            f"{name} is not valid JSON: {exc.msg} at line {exc.lineno}, column "
            f"{exc.colno}."
        ) from None


def _json_option(text: str, option: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidConfigError(f"{option} is not valid JSON: {exc}") from None


def _check_tables(option: str, mapping: object, tables: Sequence[str]) -> None:
    if not isinstance(mapping, dict):
        raise InvalidConfigError(
            f"{option} must be a JSON object by table name, got "
            f"{type(mapping).__name__}."
        )
    for table in mapping:
        if table not in tables:
            raise InvalidConfigError(
                f"{option} names table {table!r}, which has no file; the tables "
                f"are {list(tables)!r}."
            )


def _table_and_column(
    entry: str, tables: Sequence[str], option: str
) -> tuple[str, str]:
    """``table.column`` split after the longest table name it starts with
    (a stem may hold dots, ``sales.2024``)."""
    starts = [
        t for t in tables if entry.startswith(f"{t}.") and len(entry) > len(t) + 1
    ]
    if not starts:
        raise InvalidConfigError(
            f"{option} entry {entry!r} names no table; write TABLE.COLUMN with "
            f"one of the tables {list(tables)!r}."
        )
    table = max(starts, key=len)
    return table, entry[len(table) + 1 :]


def _check_parquet_writer() -> None:
    if importlib.util.find_spec("pyarrow") is None:
        raise BackendNotAvailableError(
            "Writing Parquet needs pyarrow, which is not installed; run: "
            'pip install "genesis-synth-core[parquet]", or use --format csv.'
        )


def _indented(text: str) -> str:
    return "\n".join(f"  {line}" for line in text.splitlines())

"""Reading the tables a user names on the command line: CSV and Parquet.

CSV files come in several dialects, and a dialect read as another is read
wrong without any error: a file separated by semicolons read as commas is one
column whose values are the file's whole lines. So the separator is detected
from the first lines of each file, among ``,``, ``;``, tab and ``|``:

- A separator that does not split the header is not the file's. When none
  does, the file has one column (and a line that splits into more fields
  is refused).
- When the header splits on one separator only, that is the file's.
- When it splits on several, the one that gives every line of the sample
  as many fields as the header is the file's; if that is not exactly one,
  the file is refused and the user names the separator.
- A line of the sample with more fields than the header is refused, with
  its number, rather than read with a column moved into the index.

In a file separated by anything but a comma, numbers are often written with a
decimal comma (``6,74``). A column whose every cell is such a number (or a
whole number) is read as numbers. A column where any cell is something else,
a dot as decimal mark or thousands separators (``1.234,5``) included, stays
text, as the file wrote it.

Only an empty field is missing for certain. The words pandas would also read
as missing (``NA``, ``N/A``, ``null``, ``None``, ``NaN``...) are decided
column by column, from the whole file. In a column whose every other value
is a number (a decimal comma included, as above), true or false, or a date
or time in one layout, the words mean missing cells: an R export writes
``NA`` in a numeric column. In any other column they are text like the
column's other values (``N/A`` as a tag, ``None`` as an answer), kept as the
file wrote it.

:func:`read_table_and_layout` also gives the file's :class:`CsvLayout`: the
separator and decimal mark it was read with, its encoding, whether it starts
with a byte order mark, its line ending, and for each column whose missing
cells are mostly a word, that word, and how it writes true and false and
numbers written alike in every cell, so that a synthetic file can be written
the same way.

A file that opens with a UTF-16 or UTF-32 byte order mark is read in that
encoding. A Genesis model file or a compressed file given as a table is
refused with what it is, rather than read as text.

A file that cannot be read raises :class:`InvalidDataError` whose message
starts with the file's path and says what is wrong with it, so the command
line prints ``genesis: <file>: <problem>``.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import functools
import io
import logging
import re
import warnings
from collections import Counter
from collections.abc import Collection, Hashable, Iterator
from pathlib import Path

import numpy as np
import pandas as pd
from pandas.tseries.api import guess_datetime_format

from genesis._csv_layout import (
    SEPARATORS,
    UTF8_CODECS,
    CsvLayout,
    codec_name,
    number_format,
)
from genesis._streaming import PARQUET_SUFFIXES
from genesis.errors import (
    BackendNotAvailableError,
    InvalidDataError,
)

__all__ = [
    "MISSING_WORDS",
    "SEPARATORS",
    "CsvLayout",
    "read_table",
    "read_table_and_layout",
    "text_columns_of",
]

logger = logging.getLogger(__name__)

# The separator is decided on the first lines of the file: up to this many
# characters and records (a header and 99 lines).
SAMPLE_CHARS = 65_536
SAMPLE_RECORDS = 100
EMPTY_FILE = "the file is empty; a CSV file needs a header line naming its columns."
# A cell of digits that starts with 0 and goes on ("02134", "007") is a code
# (a zip, a phone number): read as a number it would lose its leading zeros.
# "0" alone and "0.5" are numbers.
_DIGITS = re.compile(r"\d+")
_ZERO_PADDED = re.compile(r"0\d+")
_WHOLE = re.compile(r"[-+]?\d+")
# "6,74", "-0,5", ",5", "12", "1,5e-3": a number with an optional decimal comma.
_DECIMAL_COMMA = re.compile(r"[-+]?(\d+(,\d*)?|,\d+)([eE][-+]?\d+)?")
_PANDAS_FIELDS = re.compile(r"Expected (\d+) fields in line (\d+), saw (\d+)")
_PANDAS_OPEN_QUOTE = re.compile(r"EOF inside string starting at row (\d+)")
_PANDAS_PREFIX = "Error tokenizing data. C error: "
# What a file starts with tells a compressed file or a model file from text.
_START_BYTES = 4096
_COMPRESSED = {
    b"\x1f\x8b": "gzip",
    b"PK\x03\x04": "zip",
    b"BZh": "bzip2",
    b"\xfd7zXZ\x00": "xz",
    b"\x28\xb5\x2f\xfd": "zstd",
}
_DECOMPRESS = {
    "gzip": "gunzip",
    "zip": "unzip",
    "bzip2": "bunzip2",
    "xz": "unxz",
    "zstd": "unzstd",
}
# Byte order marks of the Unicode encodings other than UTF-8; UTF-32's first,
# as UTF-16's little-endian one starts it.
_WIDE_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
# The words pandas reads as missing by default, the empty field aside. Here
# they are missing only in a column that holds no other text.
MISSING_WORDS = frozenset(
    {
        "#N/A",
        "#N/A N/A",
        "#NA",
        "-1.#IND",
        "-1.#QNAN",
        "-NaN",
        "-nan",
        "1.#IND",
        "1.#QNAN",
        "<NA>",
        "N/A",
        "NA",
        "NULL",
        "NaN",
        "None",
        "n/a",
        "nan",
        "null",
    }
)


def read_table(
    path: Path,
    text_columns: Collection[Hashable] = (),
    *,
    separator: str | None = None,
    encoding: str = "utf-8",
) -> pd.DataFrame:
    """Read a Parquet (by its suffix) or CSV table.

    Args:
        path: The file.
        text_columns: Columns of a CSV file kept as text even where pandas
            reads numbers, so that another file of the same table reads
            alike.
        separator: The CSV separator; None detects it.
        encoding: The CSV file's text encoding.

    Raises:
        InvalidDataError: The file is missing or cannot be read; the message
            starts with its path.
        InvalidConfigError: ``encoding`` is not one Python knows.
        BackendNotAvailableError: A Parquet file and no pyarrow.
    """
    frame, _ = read_table_and_layout(
        path, text_columns, separator=separator, encoding=encoding
    )
    return frame


def read_table_and_layout(
    path: Path,
    text_columns: Collection[Hashable] = (),
    *,
    separator: str | None = None,
    encoding: str = "utf-8",
) -> tuple[pd.DataFrame, CsvLayout | None]:
    """Read a table as :func:`read_table` does, and the layout of a CSV file.

    Returns:
        The table, and the CSV file's layout (None for a Parquet file).
    """
    if not path.is_file():
        raise InvalidDataError(f"{path}: no such file.")
    if path.suffix.lower() in PARQUET_SUFFIXES:
        return _read_parquet(path), None
    codec = codec_name(encoding)
    with path.open("rb") as handle:
        start = handle.read(_START_BYTES)
    _refuse_other_files(path, start)
    if codec in UTF8_CODECS and (wide := _wide_unicode(start)):
        # A UTF-16 or UTF-32 file (a spreadsheet's "Unicode text") says so
        # in its byte order mark, which that codec reads and writes.
        logger.info("Read %s as %s, by its byte order mark", path, wide)
        encoding = codec = wide
    with _reading(path, encoding, separator or ","):
        separator = _sniff_separator(path, encoding, separator)
    with _reading(path, encoding, separator):
        blank = _check_lines(path, separator, encoding)
        frame, missing = _read_csv(path, text_columns, separator, encoding)
        booleans, numbers = _written_formats(path, frame, separator, encoding)
        line_ending = _line_ending(path, encoding)
    if blank:
        # Nothing to learn, and no name to give it: kept by position in the
        # layout, so that a synthetic file has it where the real one did.
        named = [p for p in range(frame.shape[1]) if p not in blank]
        frame = frame.iloc[:, named].copy()
    commas = []
    if separator != ",":
        texts = {name: frame[name] for name in text_columns_of(frame)}
        commas = _read_decimal_commas(path, frame, text_columns)
        for name in commas:
            if spec := number_format(texts[name], ","):
                numbers[name] = spec
    with path.open("rb") as handle:
        bom = codec in UTF8_CODECS and handle.read(3) == codecs.BOM_UTF8
    layout = CsvLayout(
        separator=separator,
        decimal="," if commas else ".",
        encoding=encoding,
        bom=bom,
        line_ending=line_ending,
        missing=missing,
        blank_columns=tuple(blank),
        booleans=booleans,
        numbers={name: numbers[name] for name in frame.columns if name in numbers},
    )
    logger.info(
        "Read %s: %d rows and %d columns, separated by %r",
        path,
        len(frame),
        frame.shape[1],
        separator,
    )
    return frame, layout


def text_columns_of(frame: pd.DataFrame) -> list[Hashable]:
    """The columns of ``frame`` that hold text."""
    return [
        name
        for name in frame.columns
        if pd.api.types.is_string_dtype(frame[name].dtype)
        or frame[name].dtype == object
    ]


def _read_parquet(path: Path) -> pd.DataFrame:
    try:
        return pd.read_parquet(path)
    except ImportError as exc:
        raise BackendNotAvailableError(
            "Reading Parquet needs pyarrow, which is not installed; run: "
            'pip install "genesis-synth-core[parquet]", or give a .csv file.'
        ) from exc
    except (OSError, ValueError) as exc:
        # pyarrow's errors for a damaged or foreign file are ValueErrors.
        raise InvalidDataError(f"{path}: cannot be read as Parquet ({exc}).") from None


def _refuse_other_files(path: Path, start: bytes) -> None:
    """Refuse a file that is not a table's text: a Genesis model file (given
    where a table is asked for) or a compressed file.

    Raises:
        InvalidDataError: The message names what the file is, and the fix.
    """
    if _is_model_file(start):
        raise InvalidDataError(
            f"{path}: is a Genesis model file, not a table; fit and evaluate "
            "take tables (.csv or .parquet). Give the table the model generated "
            "(genesis generate MODEL -o synthetic.csv)."
        )
    for magic, kind in _COMPRESSED.items():
        if start.startswith(magic):
            raise InvalidDataError(
                f"{path}: is compressed ({kind}); decompress it first "
                f"({_DECOMPRESS[kind]} {path.name}) and give the CSV file inside."
            )


def _is_model_file(start: bytes) -> bool:
    """Whether ``start``, a file's first bytes, opens a Genesis model file:
    the length of a JSON header (8 bytes, little-endian) and that header,
    with Genesis' keys in it."""
    if len(start) < 10:
        return False
    size = int.from_bytes(start[:8], "little")
    return 0 < size and start[8:10] == b'{"' and b'"genesis_' in start[8 : 8 + size]


def _wide_unicode(start: bytes) -> str | None:
    """The UTF-16 or UTF-32 encoding whose byte order mark ``start`` opens
    with; None for any other."""
    for bom, encoding in _WIDE_BOMS:
        if start.startswith(bom):
            return encoding
    return None


# -- the dialect ---------------------------------------------------------------


def _sniff_separator(path: Path, encoding: str, separator: str | None) -> str:
    """The separator of the CSV file at ``path``, from its first lines.

    A ``separator`` the user named is taken as it is; the first lines are
    still checked for one with more fields than the header.
    """
    sample, whole = _first_lines(path, encoding)
    widths = {sep: _field_counts(sample, sep, whole) for sep in SEPARATORS}
    if not widths[","]:
        raise InvalidDataError(f"{path}: {EMPTY_FILE}")

    if separator is None:
        separator = _choose_separator(path, widths)
    header = widths[separator][0][1]
    for line, width, filled in widths[separator][1:]:
        if filled > header:
            problem = _too_many_fields(line, width, header, separator)
            raise InvalidDataError(f"{path}: {problem}")
    return separator


def _choose_separator(path: Path, widths: dict[str, list[tuple[int, int]]]) -> str:
    splitting = [sep for sep in SEPARATORS if widths[sep][0][1] > 1]
    if not splitting:
        return ","
    if len(splitting) == 1:
        return splitting[0]
    even = [sep for sep in splitting if _is_even(widths[sep])]
    if len(even) == 1:
        return even[0]
    if even:
        named = " and on ".join(repr(sep) for sep in even)
        why = f"every line splits into the same number of fields on {named}"
    else:
        named = " and on ".join(repr(sep) for sep in splitting)
        why = f"the header splits on {named}, and the lines evenly on none"
    raise InvalidDataError(
        f"{path}: cannot tell the separator; {why}. Name it with --separator."
    )


def _first_lines(path: Path, encoding: str) -> tuple[str, bool]:
    """The file's first whole lines, and whether they are the whole file."""
    lines: list[str] = []
    size = 0
    with path.open(encoding=encoding, newline="") as handle:
        while size < SAMPLE_CHARS and len(lines) <= SAMPLE_RECORDS:
            if not (line := handle.readline()):
                return "".join(lines).removeprefix("\ufeff"), True
            lines.append(line)
            size += len(line)
    return "".join(lines).removeprefix("\ufeff"), False


def _field_counts(
    sample: str, separator: str, whole: bool
) -> list[tuple[int, int, int]]:
    """(line number, fields, fields up to the last one not empty) of each
    record of ``sample`` split on ``separator``.

    Blank lines are skipped, as pandas skips them. When the sample is not the
    whole file its last record may go on past it (a quoted value over several
    lines), so it is left out, unless it is the header.
    """
    # newline="": lines may end in "\r" alone (Excel for Mac writes them).
    reader = csv.reader(io.StringIO(sample, newline=""), delimiter=separator)
    counts = []
    with contextlib.suppress(csv.Error):
        for record in reader:
            if record:
                filled = len(record)
                while filled > 1 and not record[filled - 1]:
                    filled -= 1
                counts.append((reader.line_num, len(record), filled))
            if len(counts) > SAMPLE_RECORDS:
                break
    return counts if whole else counts[:1] + counts[1:-1]


def _is_even(counts: list[tuple[int, int, int]]) -> bool:
    """Whether every line has the header's fields, counting none of the
    empty ones past its end (a separator that ends each line)."""
    header = counts[0][1]
    return all(
        width == header or filled <= header < width for _, width, filled in counts
    )


def _too_many_fields(line: object, width: object, header: object, sep: str) -> str:
    return (
        f"line {line} has {width} fields, but the header has {header} "
        f"(separator {sep!r}). Quote the values that contain the separator."
    )


# -- reading and its errors ----------------------------------------------------


def _read_csv(
    path: Path, text_columns: Collection[Hashable], separator: str, encoding: str
) -> tuple[pd.DataFrame, dict[Hashable, str]]:
    """Read a CSV file, keeping codes with leading zeros as text, whole
    numbers with blanks as whole numbers, and words such as ``NA`` as text
    where the column holds other text.

    pandas reads "02134" as the number 2134, and a column of whole numbers
    with an empty cell as floats (written back as ``1631.0``, and exact only
    up to 2**53). A column it reads as whole numbers is read again as text:

    - kept as text when every value is a string of digits and one of them
      starts with a zero followed by more digits;
    - otherwise, when it was read as floats and every value is written as a
      whole number (``12``, ``-3``, ``+7``), made pandas' nullable ``Int64``
      from that text, so values and blanks come back as the file wrote them.
      A column whose numbers pass the int64 range stays float.

    Columns named in ``text_columns`` that pandas reads as numbers are kept
    as text whatever their values, words for missing cells included.

    Returns:
        The table, and for each column whose missing cells are mostly a
        word (of :data:`MISSING_WORDS`), that word.
    """
    # index_col=False: when every line has one field more than the header,
    # pandas otherwise makes the first column the index and shifts each
    # value one column to the left.
    read = functools.partial(
        pd.read_csv,
        path,
        sep=separator,
        encoding=encoding,
        index_col=False,
        keep_default_na=False,
    )
    frame = read(na_values=[""])
    missing_texts, written = _missing_texts(frame, text_columns, read, separator)
    candidates = [
        position
        for position, name in enumerate(frame.columns)
        if name in text_columns
        or _may_be_zero_padded(frame[name])
        or _may_be_whole(frame[name])
    ]
    if not candidates:
        return frame, written
    names = [frame.columns[position] for position in candidates]
    texts = read(
        usecols=candidates,
        dtype=str,
        na_values={name: missing_texts.get(name, [""]) for name in names},
    )
    # usecols keeps the file's order, which is the order of the positions.
    for name, text in zip(names, texts.columns, strict=True):
        if name in text_columns or _is_zero_padded(texts[text]):
            frame[name] = texts[text]
        elif _may_be_whole(frame[name]):
            whole = _whole_numbers(texts[text])
            if whole is not None:
                frame[name] = whole
    return frame, written


def _missing_texts(
    frame: pd.DataFrame,
    text_columns: Collection[Hashable],
    read: functools.partial[pd.DataFrame],
    separator: str,
) -> tuple[dict[Hashable, list[str]], dict[Hashable, str]]:
    """Read again, with their words of :data:`MISSING_WORDS` as missing
    cells, the text columns of ``frame`` that hold no other text.

    Returns:
        The texts read as missing in each such column (the empty field and
        its words), and the word of each whose missing cells are mostly
        that word.
    """
    found: dict[Hashable, Counter[str]] = {}
    for name in text_columns_of(frame):
        if name in text_columns:
            continue
        values = frame[name].dropna()
        words = values[values.isin(MISSING_WORDS)]
        if len(words):
            found[name] = Counter(words.tolist())
    if not found:
        return {}, {}

    positions = [frame.columns.get_loc(name) for name in found]
    retyped = read(
        usecols=positions,
        na_values={name: ["", *words] for name, words in found.items()},
    )
    missing_texts: dict[Hashable, list[str]] = {}
    written: dict[Hashable, str] = {}
    for name, words in found.items():
        if not _holds_no_text(retyped[name], separator):
            continue
        blanks = int(frame[name].isna().sum())
        frame[name] = retyped[name]
        missing_texts[name] = ["", *words]
        word, count = words.most_common(1)[0]
        if count > blanks:
            written[name] = word
    for name, texts in missing_texts.items():
        logger.info("Read %s as missing cells in column %r", texts[1:], name)
    return missing_texts, written


def _holds_no_text(column: pd.Series, separator: str) -> bool:
    """Whether ``column`` holds only numbers, true and false, or dates or
    times in one layout (and missing cells), as pandas read it."""
    if column.dtype != object and not pd.api.types.is_string_dtype(column.dtype):
        return True
    values = column.dropna()
    if values.empty or all(isinstance(v, bool | np.bool_) for v in values.unique()):
        return True
    if not all(isinstance(v, str) for v in values.unique()):
        return False
    if separator != "," and _has_decimal_commas(values):
        return True
    return _reads_as_times(values)


def _reads_as_times(values: pd.Series) -> bool:
    """Whether every one of the texts ``values`` is a date or a time in the
    layout pandas guesses from the first (month first, then day first)."""
    for dayfirst in (False, True):
        with warnings.catch_warnings():
            # pandas warns when its guess with dayfirst finds the year first.
            warnings.simplefilter("ignore", UserWarning)
            layout = guess_datetime_format(str(values.iloc[0]), dayfirst=dayfirst)
        if layout is None:
            continue
        times = pd.to_datetime(values, format=layout, errors="coerce")
        if times.notna().all():
            return True
    return False


def _written_formats(
    path: Path, frame: pd.DataFrame, separator: str, encoding: str
) -> tuple[dict[Hashable, tuple[str, str]], dict[Hashable, str]]:
    """How the file writes the values of its columns of true and false, and
    of its columns of decimal numbers, as pandas read them into ``frame``.

    Returns:
        For each column of true and false, its words for them (the most
        written spelling of each: ``TRUE``, ``true``); and for each column
        of numbers written alike in every cell (see
        :func:`genesis._csv_layout.number_format`), their format.
    """
    positions = [
        position
        for position, name in enumerate(frame.columns)
        if frame[name].notna().any()
        and (pd.api.types.is_float_dtype(frame[name].dtype) or _is_boolean(frame[name]))
    ]
    if not positions:
        return {}, {}
    texts = pd.read_csv(
        path,
        sep=separator,
        encoding=encoding,
        index_col=False,
        usecols=positions,
        dtype=str,
        keep_default_na=False,
        na_filter=False,
    )
    booleans: dict[Hashable, tuple[str, str]] = {}
    numbers: dict[Hashable, str] = {}
    # usecols keeps the file's order, which is the order of the positions.
    for position, text in zip(positions, texts.columns, strict=True):
        name = frame.columns[position]
        values = frame[name]
        written = texts[text].to_numpy()[values.notna().to_numpy()]
        if _is_boolean(values):
            present = values.dropna().to_numpy(dtype=bool)
            booleans[name] = _boolean_words(written[present], written[~present])
        elif spec := number_format(pd.Series(written, dtype=object)):
            numbers[name] = spec
    return booleans, numbers


def _is_boolean(column: pd.Series) -> bool:
    """Whether pandas read ``column`` as true and false (and missing cells)."""
    if pd.api.types.is_bool_dtype(column.dtype):
        return True
    if column.dtype != object:
        return False
    values = column.dropna()
    return bool(len(values)) and all(
        isinstance(value, bool | np.bool_) for value in values.unique()
    )


def _boolean_words(trues: np.ndarray, falses: np.ndarray) -> tuple[str, str]:
    """The words most written for true and for false; one a column never
    writes is spelt in the case of the other (``TRUE``, ``FALSE``)."""
    true = Counter(trues.tolist()).most_common(1)[0][0] if len(trues) else None
    false = Counter(falses.tolist()).most_common(1)[0][0] if len(falses) else None
    if true is None:
        true = _in_case_of("true", false)
    if false is None:
        false = _in_case_of("false", true)
    return str(true).strip(), str(false).strip()


def _in_case_of(word: str, other: str | None) -> str:
    if other is None or other.istitle():
        return word.title()
    return word.upper() if other.isupper() else word


def _line_ending(path: Path, encoding: str) -> str:
    """What ends the file's first line: ``\\r\\n``, ``\\r`` or ``\\n``."""
    with path.open(encoding=encoding, newline="") as handle:
        first = handle.readline()
    for ending in ("\r\n", "\n", "\r"):
        if first.endswith(ending):
            return ending
    return "\n"


def _check_lines(path: Path, separator: str, encoding: str) -> list[int]:
    """Refuse what pandas reads without a word but changes; return the
    positions (from 0) of the header's empty fields.

    A header that names a column twice: pandas renames the second ``a`` to
    ``a.1``, a name the user never gave. A header field with no name over a
    column that holds values: pandas names it ``Unnamed: 2``. (One over a
    column with nothing in it, which a spreadsheet writes when each line
    ends with the separator, is the position returned.) A line with fewer
    fields than the header: pandas fills the rest with missing values, so a
    dropped separator shifts the line's values into the wrong columns. A
    line with more fields: pandas refuses one, but when every line has one
    more it reads the first column as the index and shifts the rest. Empty
    fields past the header's end (a separator ending each line) hold nothing
    and are dropped.
    """
    with path.open(newline="", encoding=encoding) as handle:
        lines = csv.reader(handle, delimiter=separator)
        header = next(lines, [])
        if header:
            header[0] = header[0].removeprefix("\ufeff")
        first: dict[str, int] = {}
        unnamed: list[int] = []
        for field, name in enumerate(header, start=1):
            if name == "":
                unnamed.append(field - 1)
                continue
            if name in first:
                raise InvalidDataError(
                    f"{path}: the header names column {name!r} twice (fields "
                    f"{first[name]} and {field}). Give each column its own name."
                )
            first[name] = field
        for fields in lines:
            # pandas skips blank lines.
            if fields and len(fields) < len(header):
                raise InvalidDataError(
                    f"{path}: line {lines.line_num} has {len(fields)} fields, but "
                    f"the header has {len(header)} (separator {separator!r}). Write "
                    "an empty field for each missing value (1,,3)."
                )
            if any(fields[len(header) :]):
                raise InvalidDataError(
                    f"{path}: line {lines.line_num} has {len(fields)} fields, but "
                    f"the header has {len(header)} (separator {separator!r}). Quote "
                    "the values that contain the separator."
                )
            for position in unnamed:
                if fields and fields[position] != "":
                    raise InvalidDataError(
                        f"{path}: field {position + 1} of the header has no name, "
                        f"but its column holds values ({fields[position]!r} at "
                        f"line {lines.line_num}). Name the column in the header."
                    )
    return unnamed


@contextlib.contextmanager
def _reading(path: Path, encoding: str, separator: str) -> Iterator[None]:
    """Turn what pandas and the codecs raise for a bad file into one error."""
    try:
        yield
    except UnicodeDecodeError as exc:
        problem = _undecodable(path, encoding, exc)
    except pd.errors.EmptyDataError:
        problem = EMPTY_FILE
    except pd.errors.ParserError as exc:
        problem = _unparsable(exc, separator)
    except OSError as exc:
        problem = f"cannot be read ({exc.strerror or exc})."
    else:
        return
    raise InvalidDataError(f"{path}: {problem}")


def _undecodable(path: Path, encoding: str, error: UnicodeDecodeError) -> str:
    """Where the first byte that ``encoding`` cannot decode is, and the fix."""
    fix = (
        "Re-save the file as UTF-8, or name its encoding with --encoding "
        "(for example --encoding latin-1)."
    )
    # Line by line: no byte of a UTF-8 (or one-byte) character is a newline.
    with path.open("rb") as handle:
        for number, line in enumerate(handle, start=1):
            try:
                line.decode(encoding)
            except UnicodeDecodeError as bad:
                return (
                    f"byte 0x{line[bad.start]:02x} at line {number}, column "
                    f"{bad.start + 1}, is not valid {encoding}. {fix}"
                )
    return f"is not valid {encoding} ({error.reason}). {fix}"


def _unparsable(error: pd.errors.ParserError, separator: str) -> str:
    text = str(error).strip()
    if fields := _PANDAS_FIELDS.search(text):
        header, line, width = fields.groups()
        return _too_many_fields(line, width, header, separator)
    if quote := _PANDAS_OPEN_QUOTE.search(text):
        # pandas counts rows from 0, the header's.
        row = int(quote.group(1)) + 1
        return (
            f"a quoted value that starts in row {row} (the header is row 1) is "
            'never closed. Close it, and double a quote inside a value ("").'
        )
    return f"cannot be read as CSV: {text.removeprefix(_PANDAS_PREFIX).rstrip('.')}."


def _read_decimal_commas(
    path: Path, frame: pd.DataFrame, text_columns: Collection[Hashable]
) -> list[Hashable]:
    """Make numbers of the text columns whose every cell has a decimal comma;
    return their names."""
    read = []
    for name in text_columns_of(frame):
        if name in text_columns:
            continue
        if _has_decimal_commas(frame[name].dropna()):
            commas = frame[name].str.replace(",", ".", regex=False)
            frame[name] = pd.to_numeric(commas).astype(np.float64)
            read.append(name)
    if read:
        logger.info("Read the decimal commas of %s in %s as numbers", read, path)
    return read


def _has_decimal_commas(values: pd.Series) -> bool:
    """Whether every one of the texts ``values`` is a number, written with a
    decimal comma or as a whole number, and one has a comma."""
    return bool(
        len(values)
        and values.str.fullmatch(_DECIMAL_COMMA).all()
        and values.str.contains(",", regex=False).any()
    )


def _may_be_zero_padded(column: pd.Series) -> bool:
    """Whether pandas may have read digit codes as this column of numbers."""
    if pd.api.types.is_bool_dtype(column.dtype):
        return False
    if pd.api.types.is_integer_dtype(column.dtype):
        return bool((column.dropna() >= 0).all())
    if pd.api.types.is_float_dtype(column.dtype):
        # Codes read as floats when some cells are empty; their values are
        # then whole numbers.
        values = column.dropna().to_numpy(dtype=np.float64)
        return bool(np.all((values >= 0) & (values == np.floor(values))))
    return False


def _may_be_whole(column: pd.Series) -> bool:
    """Whether pandas may have read whole numbers with blanks as floats."""
    if not pd.api.types.is_float_dtype(column.dtype):
        return False
    values = column.dropna().to_numpy(dtype=np.float64)
    has_blanks = 0 < len(values) < len(column)
    return has_blanks and bool(np.all(values == np.floor(values)))


def _whole_numbers(texts: pd.Series) -> pd.Series | None:
    """``texts`` as nullable Int64 when every value is written as a whole
    number that int64 holds; None otherwise."""
    values = texts.dropna().str.strip()
    if not values.str.fullmatch(_WHOLE).all():
        return None
    try:
        numbers = values.str.removeprefix("+").astype(np.int64)
    except (OverflowError, ValueError, TypeError):
        return None
    whole = pd.Series(pd.NA, index=texts.index, dtype="Int64", name=texts.name)
    whole[numbers.index] = numbers.to_numpy()
    return whole


def _is_zero_padded(texts: pd.Series) -> bool:
    values = texts.dropna()
    return bool(
        values.str.fullmatch(_DIGITS).all() and values.str.fullmatch(_ZERO_PADDED).any()
    )

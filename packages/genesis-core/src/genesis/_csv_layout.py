"""How a CSV file is laid out, so that synthetic files come out as the real ones.

A :class:`CsvLayout` is what reading a CSV file learned about how it is
written (see :mod:`genesis._table_files`): its separator, its decimal mark,
its text encoding, whether it starts with a byte order mark, its line ending,
and for each column whose missing cells the file writes as a word (``NA``
in an R export's numeric column) that word. It also keeps how some columns
write their values: the spelling of true and false (``TRUE``, ``true``), and
for a column of numbers written alike in every cell, its decimals (``0.3100``)
or its significant digits in scientific notation (``2.982e-05``).
``genesis fit`` keeps the layout of each file it read in the model file, and
``genesis generate`` writes the synthetic CSV files in it, so a file read by
a program that expects one layout (a spreadsheet set to decimal commas, a
reader of latin-1) reads the synthetic file alike.
"""

from __future__ import annotations

import codecs
import os
import re
from collections.abc import Hashable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, TextIO

import numpy as np
import pandas as pd

from genesis.errors import InvalidConfigError, InvalidDataError, ModelFileError

__all__ = [
    "DECIMAL_MARKS",
    "DEFAULT_LAYOUT",
    "LAYOUT_PART",
    "LINE_ENDINGS",
    "SEPARATORS",
    "UTF8_CODECS",
    "CsvLayout",
    "codec_name",
    "number_format",
    "open_csv",
    "write_csv",
    "write_csv_file",
]

# The model file part (genesis._io) that holds the layouts of the files a
# model was fitted on.
LAYOUT_PART = "csv_layout"
SEPARATORS = (",", ";", "\t", "|")
DECIMAL_MARKS = (".", ",")
LINE_ENDINGS = ("\n", "\r\n", "\r")
UTF8_CODECS = ("utf-8", "utf-8-sig")
# A number written with a fixed count of decimals ("0.3100", "-12.5"), or in
# scientific notation ("2.982e-05", "1.5E+3"); the decimal mark is "." here.
_FIXED = re.compile(r"[-+]?\d*\.(\d+)")
_SCIENTIFIC = re.compile(r"[-+]?\d\.?(\d*)([eE])[-+]?\d+")
# The format of numbers fixed or scientific: ".4f", ".3e", ".3E".
_NUMBER_FORMAT = re.compile(r"\.\d+[feE]")
# How much of a value an error message quotes.
_QUOTE_CHARS = 40


def codec_name(encoding: str) -> str:
    """Python's name of the codec ``--encoding`` names.

    Raises:
        InvalidConfigError: Python knows no such encoding.
    """
    try:
        return codecs.lookup(encoding).name
    except LookupError:
        raise InvalidConfigError(
            f"--encoding {encoding!r} is not an encoding Python knows; try "
            "utf-8, latin-1 or cp1252."
        ) from None


@dataclass(frozen=True)
class CsvLayout:
    """The layout of a CSV file.

    Attributes:
        separator: The field separator.
        decimal: The decimal mark of numbers.
        encoding: The text encoding, as Python names it.
        bom: Whether the file starts with a UTF-8 byte order mark.
        line_ending: What ends each line.
        missing: For each column whose missing cells are a word rather than
            an empty field, that word.
        blank_columns: The positions (from 0, among all the file's columns)
            of columns with no name and nothing in them, such as a
            spreadsheet writes when each line ends with the separator. They
            are not read as columns, and are written back empty.
        booleans: For each column of true and false values, the words the
            file writes for them (``("TRUE", "FALSE")``).
        numbers: For each column of numbers the file writes alike in every
            cell, their format for Python's :func:`format`: ``".4f"`` for
            four decimals, ``".3e"`` for scientific notation with four
            significant digits (``".3E"`` with a capital E).
    """

    separator: str = ","
    decimal: str = "."
    encoding: str = "utf-8"
    bom: bool = False
    line_ending: str = "\n"
    missing: Mapping[Hashable, str] = field(default_factory=dict)
    blank_columns: tuple[int, ...] = ()
    booleans: Mapping[Hashable, tuple[str, str]] = field(default_factory=dict)
    numbers: Mapping[Hashable, str] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """The layout as a JSON object, for a model file."""
        return {
            "separator": self.separator,
            "decimal": self.decimal,
            "encoding": self.encoding,
            "bom": self.bom,
            "line_ending": self.line_ending,
            "missing": [[name, word] for name, word in self.missing.items()],
            "blank_columns": list(self.blank_columns),
            "booleans": [[name, *words] for name, words in self.booleans.items()],
            "numbers": [[name, spec] for name, spec in self.numbers.items()],
        }

    @classmethod
    def from_json(cls, data: Any, source: str) -> CsvLayout:
        """The layout :meth:`to_json` gave.

        Raises:
            ModelFileError: ``data`` is not such a layout; the message starts
                with ``source``.
        """
        try:
            layout = cls(
                separator=data["separator"],
                decimal=data["decimal"],
                encoding=data["encoding"],
                bom=data["bom"],
                line_ending=data["line_ending"],
                missing={name: word for name, word in data["missing"]},
                # Kept since models of files with empty header fields.
                blank_columns=tuple(data.get("blank_columns", ())),
                # Kept since models that write true, false and numbers as the
                # file did; older ones write them as pandas does.
                booleans={
                    name: (true, false)
                    for name, true, false in data.get("booleans", ())
                },
                numbers={name: spec for name, spec in data.get("numbers", ())},
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise ModelFileError(
                f"{source}: the CSV layout it keeps is incomplete ({exc!r}); it "
                "may have been written by another program."
            ) from None
        if problem := layout._problem():
            raise ModelFileError(
                f"{source}: the CSV layout it keeps is not valid: {problem}."
            )
        return layout

    def _problem(self) -> str | None:
        if self.separator not in SEPARATORS:
            return f"the separator {self.separator!r} is not one of {SEPARATORS!r}"
        if self.decimal not in DECIMAL_MARKS:
            return f"the decimal mark {self.decimal!r} is not '.' or ','"
        if self.line_ending not in LINE_ENDINGS:
            return (
                f"the line ending {self.line_ending!r} is not one of {LINE_ENDINGS!r}"
            )
        if not isinstance(self.bom, bool):
            return f"the byte order mark flag {self.bom!r} is not true or false"
        if not all(isinstance(word, str) and word for word in self.missing.values()):
            return "a word for missing cells is not text"
        if not all(
            isinstance(position, int)
            and not isinstance(position, bool)
            and position >= 0
            for position in self.blank_columns
        ):
            return (
                f"the blank column positions {list(self.blank_columns)!r} are "
                "not whole numbers of 0 or more"
            )
        if not all(
            isinstance(word, str) and word
            for words in self.booleans.values()
            for word in words
        ):
            return "a word for true or false is not text"
        if not all(
            isinstance(spec, str) and _NUMBER_FORMAT.fullmatch(spec)
            for spec in self.numbers.values()
        ):
            return (
                f"the number formats {list(self.numbers.values())!r} are not all "
                "like '.4f' or '.3e'"
            )
        try:
            codecs.lookup(self.encoding)
        except (LookupError, TypeError):
            return f"the encoding {self.encoding!r} is not one Python knows"
        return None

    def overridden(
        self,
        separator: str | None = None,
        decimal: str | None = None,
        encoding: str | None = None,
    ) -> CsvLayout:
        """This layout with the options a user gave in place of its own.

        An encoding given replaces the byte order mark too: ``utf-8-sig``
        writes one, ``utf-8`` none, as Python's codecs do.

        Raises:
            InvalidConfigError: ``encoding`` is not one Python knows, or the
                separator and the decimal mark would both be a comma.
        """
        layout = self
        if encoding is not None:
            codec = codec_name(encoding)
            layout = replace(layout, encoding=encoding, bom=codec == "utf-8-sig")
        if separator is not None:
            layout = replace(layout, separator=separator)
        if decimal is not None:
            layout = replace(layout, decimal=decimal)
        if layout.separator == layout.decimal:
            if decimal is None:
                why = (
                    "the file the model was fitted on writes decimal commas; "
                    "add --decimal . for decimal points"
                )
            else:
                why = "name another separator with --separator, such as ';'"
            raise InvalidConfigError(
                "A comma cannot be both the separator and the decimal mark of a "
                f"CSV file: {why}."
            )
        return layout

    @property
    def codec(self) -> str:
        """The encoding the file is written in, its byte order mark included."""
        if codecs.lookup(self.encoding).name in UTF8_CODECS:
            return "utf-8-sig" if self.bom else "utf-8"
        return self.encoding


DEFAULT_LAYOUT = CsvLayout()


def open_csv(path: str | os.PathLike[str], layout: CsvLayout) -> TextIO:
    """``path`` opened to write CSV text in ``layout``'s encoding."""
    # newline="": the line ending is the layout's, written by pandas as is.
    return Path(path).open("w", newline="", encoding=layout.codec)


def write_csv(
    handle: TextIO, frame: pd.DataFrame, layout: CsvLayout, *, header: bool
) -> None:
    """Write ``frame`` to ``handle`` in ``layout``, its header line if asked.

    Raises:
        InvalidDataError: A value or a column name cannot be written in the
            layout's encoding; the message names the column and the value.
    """
    try:
        written = _with_missing_words(_with_formats(frame, layout), layout)
        _with_blank_columns(written, layout).to_csv(
            handle,
            index=False,
            header=header,
            sep=layout.separator,
            decimal=layout.decimal,
            lineterminator=layout.line_ending,
        )
    except UnicodeEncodeError as exc:
        raise _unwritable(frame, layout, exc) from None


def write_csv_file(
    frame: pd.DataFrame, path: str | os.PathLike[str], layout: CsvLayout
) -> None:
    """Write ``frame`` to the CSV file ``path`` in ``layout``."""
    with open_csv(path, layout) as handle:
        write_csv(handle, frame, layout, header=True)


def number_format(texts: pd.Series, decimal: str = ".") -> str | None:
    """The format that writes every one of the number texts ``texts`` as
    it is written, when they share one: ``".4f"`` when each has four
    decimals, ``".3e"`` when each is in scientific notation with four
    significant digits; None otherwise (or when ``texts`` is empty).

    ``decimal`` is the decimal mark of the texts.
    """
    values = [str(text).strip() for text in texts.dropna()]
    if not values:
        return None
    if decimal != ".":
        values = [text.replace(decimal, ".") for text in values]
    # The format of the first value, then every value checked against it.
    if fixed := _FIXED.fullmatch(values[0]):
        digits = len(fixed.group(1))
        exact = re.compile(rf"[-+]?\d*\.\d{{{digits}}}")
        spec = f".{digits}f"
    elif scientific := _SCIENTIFIC.fullmatch(values[0]):
        digits, letter = len(scientific.group(1)), scientific.group(2)
        point = r"\." if digits else r"\.?"
        exact = re.compile(rf"[-+]?\d{point}\d{{{digits}}}{letter}[-+]?\d+")
        spec = f".{digits}{letter}"
    else:
        return None
    return spec if all(exact.fullmatch(text) for text in values) else None


def _with_formats(frame: pd.DataFrame, layout: CsvLayout) -> pd.DataFrame:
    """``frame`` with its columns of true and false and its numbers written
    as the file the layout is of wrote them, as text."""
    booleans = {
        name: words for name, words in layout.booleans.items() if name in frame.columns
    }
    numbers = {
        name: spec
        for name, spec in layout.numbers.items()
        if name in frame.columns
        and pd.api.types.is_numeric_dtype(frame[name].dtype)
        and not pd.api.types.is_bool_dtype(frame[name].dtype)
    }
    if not booleans and not numbers:
        return frame
    frame = frame.copy(deep=False)
    for name, (true, false) in booleans.items():
        values = frame[name].astype(object).to_numpy(copy=True)
        for position, value in enumerate(values):
            if isinstance(value, bool | np.bool_):
                values[position] = true if value else false
        frame[name] = pd.Series(values, index=frame.index, dtype=object)
    for name, spec in numbers.items():
        column = frame[name]
        present = column.notna().to_numpy()
        numbers_ = column.to_numpy(dtype=np.float64, na_value=np.nan)
        texts = np.full(len(column), None, dtype=object)
        for position in np.flatnonzero(present):
            text = format(numbers_[position], spec)
            if text.startswith("-") and float(text) == 0:
                # -0.00001 at four decimals: the file writes no minus zero.
                text = text[1:]
            texts[position] = text.replace(".", layout.decimal)
        frame[name] = pd.Series(texts, index=frame.index, dtype=object)
    return frame


def _with_missing_words(frame: pd.DataFrame, layout: CsvLayout) -> pd.DataFrame:
    """``frame`` with the missing cells of each column that has a word for
    them written as that word, and the column's other values as pandas
    writes them (the layout's decimal mark included)."""
    words = {
        name: word for name, word in layout.missing.items() if name in frame.columns
    }
    if not words:
        return frame
    frame = frame.copy(deep=False)
    for name, word in words.items():
        column = frame[name]
        missing = column.isna().to_numpy()
        if not missing.any():
            continue
        if pd.api.types.is_float_dtype(column.dtype):
            # Formatted here, as pandas would: its decimal mark applies only
            # to columns of floats, and this one becomes text.
            dtype = getattr(column.dtype, "numpy_dtype", column.dtype)
            numbers = column.to_numpy(dtype=dtype, na_value=np.nan)
            texts = numbers.astype(str).astype(object)
            if layout.decimal != ".":
                texts = np.array(
                    [text.replace(".", layout.decimal) for text in texts], dtype=object
                )
        else:
            texts = column.astype(object).to_numpy(copy=True)
        texts[missing] = word
        frame[name] = pd.Series(texts, index=frame.index, dtype=object)
    return frame


def _with_blank_columns(frame: pd.DataFrame, layout: CsvLayout) -> pd.DataFrame:
    """``frame`` with the layout's blank columns, empty and with no name,
    back at their positions."""
    if not layout.blank_columns:
        return frame
    frame = frame.copy(deep=False)
    empty = np.full(len(frame), None, dtype=object)
    for position in sorted(layout.blank_columns):
        frame.insert(min(position, frame.shape[1]), "", empty, allow_duplicates=True)
    return frame


def _unwritable(
    frame: pd.DataFrame, layout: CsvLayout, error: UnicodeEncodeError
) -> InvalidDataError:
    """The error that names what ``layout``'s encoding cannot write."""
    fix = "Generate with --encoding utf-8, which writes every character."
    for name in frame.columns:
        if isinstance(name, str) and not _encodes(name, layout.encoding):
            return InvalidDataError(
                f"The column name {name!r} cannot be written in "
                f"{layout.encoding} ({error.reason}). {fix}"
            )
    for name in frame.columns:
        for value in frame[name].dropna().unique():
            if isinstance(value, str) and not _encodes(value, layout.encoding):
                shown = value if len(value) <= _QUOTE_CHARS else value[:_QUOTE_CHARS]
                return InvalidDataError(
                    f"Column {name!r} holds {shown!r}, which cannot be written in "
                    f"{layout.encoding} ({error.reason}). {fix}"
                )
    return InvalidDataError(
        f"The rows cannot be written in {layout.encoding}: {error}. {fix}"
    )


def _encodes(text: str, encoding: str) -> bool:
    try:
        text.encode(encoding)
    except UnicodeEncodeError:
        return False
    return True

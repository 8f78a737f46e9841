"""Keeping what the ``genesis`` command writes off what the user gave it.

An output option names a file the command creates or replaces, and a slip
of the hand makes it a file the command reads: ``genesis fit pen.csv -o
pen.csv`` would leave a model where the real table was, ``--json pen.csv``
a page of scores. Every command therefore checks its outputs before it
reads anything:

- an output that is the same file as an input (the same path, a link to it,
  or a hard link) is refused, whatever else is asked;
- ``fit -o`` writes over a Genesis model file (fitting again), but not over
  any other file;
- ``generate`` writes over an existing file only with ``--overwrite``, as
  it writes a folder of related tables over files of the same names.

Each refusal is an :class:`~genesis.errors.InvalidConfigError`, which the
command prints with exit status 2, naming the option and the file.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from pathlib import Path

from genesis import _io
from genesis.errors import InvalidConfigError

__all__ = [
    "OUTPUT_OPTION",
    "given",
    "is_model_file",
    "refuse_existing",
    "refuse_non_model",
    "refuse_same_files",
]

OUTPUT_OPTION = "-o/--output"


def given(path: Path | None) -> list[Path]:
    """The file an optional option names, as a list of none or one."""
    return [] if path is None else [path]


def refuse_same_files(
    outputs: Mapping[str, Path | None], inputs: Mapping[str, Iterable[Path]]
) -> None:
    """Refuse an output that is an input, or that another output names too.

    Args:
        outputs: Each file to write, by the option that names it (None: the
            option was not given).
        inputs: The files the command reads, by what they are to the user
            ("the real table", "--schema").

    Raises:
        InvalidConfigError: An output is the same file as an input, or as
            another output; the message names both.
    """
    given = [(option, path) for option, path in outputs.items() if path is not None]
    for option, output in given:
        for what, paths in inputs.items():
            for path in paths:
                if _same_file(output, path):
                    raise InvalidConfigError(
                        f"{option} {str(output)!r} is {_naming(what, output, path)}, "
                        "which this command reads: writing it would replace it. "
                        "Name another file."
                    )
    for index, (option, output) in enumerate(given):
        for other, path in given[index + 1 :]:
            if _same_file(output, path):
                raise InvalidConfigError(
                    f"{option} and {other} both name {str(output)!r}; the second "
                    "would replace the first. Name two files."
                )


def refuse_non_model(option: str, path: Path) -> None:
    """Refuse to write a model over an existing file that is not one.

    A model file is replaced by fitting again; anything else there (a
    table, a report) was not written by ``genesis fit`` and stays.

    Raises:
        InvalidConfigError: ``path`` exists and is not a Genesis model file.
    """
    target = _io.user_path(path)
    # Only a plain file: a folder is refused where the model is written, and
    # a device or a pipe (/dev/null) is no file to keep.
    if not target.is_file() or is_model_file(target):
        return
    raise InvalidConfigError(
        f"{option} {str(path)!r} exists and is not a Genesis model file; fitting "
        "would replace it with a model. Name a new file (such as "
        f"{target.with_suffix('.genesis').name!r}), or move that one away."
    )


def refuse_existing(option: str, paths: Iterable[Path]) -> None:
    """Refuse to write synthetic rows over files that exist already.

    Raises:
        InvalidConfigError: One of ``paths`` exists; the message names it
            and ``--overwrite``.
    """
    # Only plain files: writing to /dev/stdout or a pipe replaces nothing.
    if existing := [path for path in paths if _io.user_path(path).is_file()]:
        raise InvalidConfigError(
            f"{option} {str(existing[0])!r} exists already, and generating would "
            "replace it. If it holds real rows, name another file; to replace "
            "earlier synthetic rows, pass --overwrite."
        )


def is_model_file(path: Path) -> bool:
    """Whether ``path`` is a file that ``genesis fit`` (or ``save``) wrote,
    whatever its format version; only its header is read."""
    try:
        metadata = _io._read_header(path)
    except (OSError, ValueError):
        return False
    # The entry every model file has, whatever its format version.
    return _io._FORMAT_KEY in metadata


def _same_file(first: Path, second: Path) -> bool:
    one, other = _io.user_path(first), _io.user_path(second)
    if one.exists() and other.exists():
        return os.path.samefile(one, other)
    return one.resolve() == other.resolve()


def _naming(what: str, output: Path, path: Path) -> str:
    """``what`` as the file's role in a sentence, with its path when the
    user wrote it otherwise (a link, ``./``, another folder)."""
    role = f"the {what} file" if what.startswith("--") else what
    if str(output) == str(path):
        return role
    return f"the same file as {role} {str(path)!r}"

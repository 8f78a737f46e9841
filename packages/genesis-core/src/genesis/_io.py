"""The saved-model file: safetensors arrays plus JSON, versioned, written atomically.

Layout (see docs/architecture.md): one safetensors file whose string metadata
holds ``genesis_format`` and ``genesis_json``. Nothing in it is executed on
load: no pickle.

The JSON document of a related-tables model has ``"kind": "multitable"``, a
TimeGAN model's ``"kind": "timeseries"``; a single-table model's has no
``kind`` entry (its layout predates the entry).
:func:`check_model_kind` tells a loader which class a file is for.

Beside the document, the header may hold optional *parts*: JSON objects that
are not the model's but travel with it (the command line keeps there how the
CSV files a model was fitted on were laid out). No loader reads them, so a
file loads the same with or without them.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
from safetensors import SafetensorError
from safetensors.numpy import load_file, save_file

from genesis.errors import ModelFileError

__all__ = [
    "FORMAT_VERSION",
    "KIND_KEY",
    "MULTITABLE",
    "SINGLE_TABLE",
    "check_model_kind",
    "prepare_target",
    "read_model_document",
    "read_model_file",
    "read_model_part",
    "user_path",
    "write_model_file",
    "write_model_part",
]

FORMAT_VERSION = 2
# Version 2 added stored value kinds (pandas Interval, Period, Decimal, bytes,
# numpy scalars...) that version-1 readers do not know. Version-1 files read
# as before; a value version 1 could only store as its repr text is refused
# when decoded (genesis._values).
_OLDEST_READABLE_VERSION = 1
_FORMAT_KEY = "genesis_format"
_JSON_KEY = "genesis_json"
# An optional part named ``name`` is kept under _PART_PREFIX + name.
_PART_PREFIX = "genesis_part_"
# safetensors pads its JSON header with spaces to a multiple of 8 bytes, so
# that the arrays after it stay aligned.
_HEADER_ALIGNMENT = 8
# What a model file holds, under KIND_KEY in its JSON document.
KIND_KEY = "kind"
SINGLE_TABLE = "single-table"
MULTITABLE = "multitable"
_KINDS = {
    SINGLE_TABLE: ("a single-table model", "genesis.SyntheticGenerator.load"),
    MULTITABLE: (
        "a related-tables model",
        "genesis.multitable.MultiTableGenerator.load",
    ),
    # Written by genesis.generators.timeseries (its FILE_KIND).
    "timeseries": (
        "a TimeGAN time-series model",
        "genesis.generators.timeseries.TimeGANGenerator.load",
    ),
}


def write_model_file(
    path: str | os.PathLike[str],
    arrays: Mapping[str, np.ndarray],
    document: Mapping[str, Any],
) -> Path:
    """Write arrays and a JSON document to ``path`` atomically.

    The file is written next to ``path`` under a temporary name and renamed
    over it, so an interrupted save leaves the previous file intact.
    """
    tensors = {name: np.ascontiguousarray(value) for name, value in arrays.items()}
    for name, value in tensors.items():
        if value.dtype == object:
            raise TypeError(f"Array {name!r} has dtype object, which cannot be saved.")
    target = prepare_target(path)
    header = {_FORMAT_KEY: str(FORMAT_VERSION), _JSON_KEY: json.dumps(document)}
    handle, temporary = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    os.close(handle)
    try:
        save_file(tensors, temporary, metadata=header)
        # mkstemp creates the file private (0600); give it the permissions a
        # plain open() would have.
        os.chmod(temporary, 0o666 & ~_current_umask())
        os.replace(temporary, target)
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)
    return target


def user_path(path: str | os.PathLike[str]) -> Path:
    """``path`` as a Path, with a leading ``~`` or ``~user`` made the home folder.

    pandas reads and writes ``"~/data.csv"`` in the home folder; a model file
    or output given the same way goes there too, not to a folder named ``~``
    under the working directory.
    """
    return Path(path).expanduser()


def prepare_target(path: str | os.PathLike[str]) -> Path:
    """The file ``path`` will be written to, with its folders made.

    Called before any work, so a path that cannot take a file fails at once,
    not after the rows or the model are made. A symbolic link is followed,
    as ``open(path, "w")`` follows it: renaming the finished file over the
    link itself would leave the file it points to as it was.

    Raises:
        IsADirectoryError: ``path`` is a folder.
        NotADirectoryError: A folder on the way to ``path`` is a file.
    """
    target = user_path(path)
    if target.is_symlink():
        target = target.resolve()
    if target.is_dir():
        raise IsADirectoryError(
            f"{str(target)!r} is a folder, not a file; name a file in it, or "
            "move the folder away."
        )
    for folder in (target.parent, *target.parent.parents):
        if folder.exists():
            if not folder.is_dir():
                raise NotADirectoryError(
                    f"{str(folder)!r} is a file, so {str(target)!r} cannot be "
                    "written under it; choose another folder or move the file."
                )
            break
    target.parent.mkdir(parents=True, exist_ok=True)
    return target


def _current_umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def read_model_file(
    path: str | os.PathLike[str],
) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    """Read a file written by :func:`write_model_file`.

    Raises:
        ModelFileError: The file is missing, truncated, not a Genesis model,
            or from a format version this release cannot read.
    """
    source = user_path(path)
    document = _checked_document(source)
    try:
        arrays = load_file(str(source))
    except (SafetensorError, OSError, ValueError) as exc:
        raise _unreadable(source, exc) from exc
    return arrays, document


def read_model_document(path: str | os.PathLike[str]) -> dict[str, Any]:
    """The JSON document of a model file, without reading its arrays.

    For a look at what the file holds (its kind, its method) before loading
    it: the header is read, not the weights that follow it.

    Raises:
        ModelFileError: As :func:`read_model_file`, for the header.
    """
    return _checked_document(user_path(path))


def _checked_document(source: Path) -> dict[str, Any]:
    if not source.is_file():
        raise ModelFileError(f"No model file at {str(source)!r}.")
    try:
        header = _read_header(source)
    except (OSError, ValueError, json.JSONDecodeError) as exc:
        raise _unreadable(source, exc) from exc
    if _FORMAT_KEY not in header or _JSON_KEY not in header:
        raise ModelFileError(
            f"{str(source)!r} is a safetensors file but not a Genesis model file "
            f"(no {_FORMAT_KEY!r} entry)."
        )
    version = int(header[_FORMAT_KEY])
    if not _OLDEST_READABLE_VERSION <= version <= FORMAT_VERSION:
        advice = (
            "upgrade genesis-synth-core to read it"
            if version > FORMAT_VERSION
            else "re-fit and save it with this release"
        )
        raise ModelFileError(
            f"{str(source)!r} has model format version {version}; this release of "
            f"Genesis reads versions {_OLDEST_READABLE_VERSION} to "
            f"{FORMAT_VERSION}: {advice}."
        )
    return json.loads(header[_JSON_KEY])


def write_model_part(
    path: str | os.PathLike[str], name: str, part: Mapping[str, Any]
) -> None:
    """Keep ``part`` in the model file at ``path`` as its part ``name``.

    The header is written again with the part in it (replacing one of the
    same name) and the arrays are copied after it unchanged, to a temporary
    file that is renamed over ``path``: an interrupted write leaves the file
    as it was.

    Raises:
        ModelFileError: As :func:`read_model_file`, for the header.
    """
    source = user_path(path)
    _checked_document(source)
    with source.open("rb") as handle:
        size = int.from_bytes(handle.read(8), "little")
        header = json.loads(handle.read(size))
        header.setdefault("__metadata__", {})[_PART_PREFIX + name] = json.dumps(part)
        text = json.dumps(header, separators=(",", ":")).encode("utf-8")
        text += b" " * (-len(text) % _HEADER_ALIGNMENT)
        target = prepare_target(source)
        descriptor, temporary = tempfile.mkstemp(
            prefix=f".{target.name}.", dir=target.parent
        )
        try:
            with os.fdopen(descriptor, "wb") as copy:
                copy.write(len(text).to_bytes(8, "little"))
                copy.write(text)
                shutil.copyfileobj(handle, copy)
            os.chmod(temporary, 0o666 & ~_current_umask())
            os.replace(temporary, target)
        finally:
            if os.path.exists(temporary):
                os.unlink(temporary)


def read_model_part(path: str | os.PathLike[str], name: str) -> Any | None:
    """The part ``name`` kept in the model file at ``path``; None if it has none.

    Raises:
        ModelFileError: As :func:`read_model_file`, for the header; or the
            part is not JSON.
    """
    source = user_path(path)
    _checked_document(source)
    text = _read_header(source).get(_PART_PREFIX + name)
    if text is None:
        return None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ModelFileError(
            f"{str(source)!r}: its part {name!r} is not valid JSON ({exc}); it "
            "may have been written by another program."
        ) from None


def _unreadable(source: Path, exc: Exception) -> ModelFileError:
    return ModelFileError(
        f"{str(source)!r} is not a readable Genesis model file (truncated or "
        f"corrupted?): {exc}"
    )


def _read_header(source: Path) -> dict[str, str]:
    """The string metadata of a safetensors header, read before the arrays.

    Raises:
        ValueError: The file is no safetensors file: too short, or its first
            eight bytes give a header longer than the file (read as a length,
            a CSV's first bytes ask for exabytes).
    """
    with source.open("rb") as handle:
        size_bytes = handle.read(8)
        if len(size_bytes) != 8:
            raise ValueError("file shorter than the safetensors header")
        size = int.from_bytes(size_bytes, "little")
        if size > os.fstat(handle.fileno()).st_size - 8:
            raise ValueError("its header length passes the end of the file")
        raw = handle.read(size)
        if len(raw) != size:
            raise ValueError("header truncated")
    header = json.loads(raw)
    if not isinstance(header, dict):
        raise ValueError("its header is not a JSON object")
    metadata = header.get("__metadata__") or {}
    if not isinstance(metadata, dict):
        raise ValueError("its header metadata is not a JSON object")
    return metadata


def check_model_kind(
    path: str | os.PathLike[str], document: Mapping[str, Any], expected: str
) -> None:
    """Refuse a model file that holds another kind of model than ``expected``.

    Raises:
        ModelFileError: The file holds another kind of model; the message
            names the kind and the class that loads it.
    """
    kind = document.get(KIND_KEY, SINGLE_TABLE)
    if kind == expected:
        return
    wanted = _KINDS[expected][0]
    if kind not in _KINDS:
        raise ModelFileError(
            f"{str(path)!r} holds a model of kind {kind!r}, which this release of "
            f"Genesis does not know; {wanted} was expected."
        )
    what, loader = _KINDS[kind]
    raise ModelFileError(
        f"{str(path)!r} holds {what}, not {wanted}; load it with {loader}(path)."
    )

"""The protocols plugins implement and the core relies on."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar, Protocol, Self, runtime_checkable

import numpy as np

from genesis._config import ConfigSpec
from genesis.data import PreparedTable

__all__ = [
    "ColumnTransformer",
    "GeneratorImpl",
    "ProgressCallback",
    "ProgressEvent",
]


@dataclass(frozen=True)
class ProgressEvent:
    """One step of long work, reported to a progress callback.

    Attributes:
        stage: What is running, for example ``"fit"`` or ``"generate"``.
        step: Steps done so far (epochs for neural generators).
        total: Steps planned, or 0 when unknown.
        losses: The latest losses by name (``"generator"``, ``"discriminator"``...).
    """

    stage: str
    step: int
    total: int
    losses: Mapping[str, float] = field(default_factory=dict)


ProgressCallback = Callable[[ProgressEvent], None]


@runtime_checkable
class GeneratorImpl(Protocol):
    """A method on a backend, as registered by a plugin.

    ``SyntheticGenerator`` validates the user's data, prepares it with the
    shared data plane and hands the implementation a :class:`PreparedTable`.
    The implementation returns one array per prepared column key; the core
    turns those back into the user's frame.
    """

    method: ClassVar[str]
    backend: ClassVar[str]
    config_spec: ClassVar[ConfigSpec]

    def __init__(
        self, config: Mapping[str, Any], *, seed: int | None, device: str | None
    ) -> None: ...

    def fit(
        self, prepared: PreparedTable, *, progress: ProgressCallback | None
    ) -> None:
        """Learn from the prepared table. May be interrupted with Ctrl-C."""

    def generate(
        self,
        n: int,
        *,
        rng: np.random.Generator,
        conditions: Mapping[str, Any] | None = None,
    ) -> dict[str, np.ndarray]:
        """Return ``n`` rows as one array per prepared column key.

        ``conditions`` maps prepared keys of discrete columns to a code, and
        is given only to implementations whose ``supports_conditions`` is
        True: one condition, or every one when ``supports_several_conditions``
        is True. Implementations whose ``supports_pinned_values`` is True
        also take ``pinned``, ``{key: value}`` of continuous columns every
        row should hold, and answer ``pinned_keys(pinned)`` with the keys
        they hold. The core filters the rows for every condition whatever
        an implementation does with them.
        """

    def get_state(self) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
        """Arrays with backend-neutral names, and a JSON-able dict."""

    @classmethod
    def from_state(
        cls,
        config: Mapping[str, Any],
        arrays: Mapping[str, np.ndarray],
        state: Mapping[str, Any],
        *,
        device: str | None,
    ) -> Self:
        """Rebuild a fitted implementation saved by :meth:`get_state`."""


@runtime_checkable
class ColumnTransformer(Protocol):
    """A column encoder a plugin can register for a column type."""

    def fit(self, values: np.ndarray) -> Self: ...

    def transform(self, values: np.ndarray) -> np.ndarray: ...

    def inverse_transform(self, encoded: np.ndarray) -> np.ndarray: ...

"""An example third-party plugin: samples every column independently.

It is the baseline every real generator should beat: each column keeps its
own distribution exactly, and every relation between columns is lost. It
registers through the ``genesis`` entry point exactly as Genesis's own
backends do (see ``pyproject.toml`` beside this package).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar, Self

import numpy as np

from genesis.errors import InvalidConfigError
from genesis.plugins import (
    ConfigKey,
    GeneratorRegistry,
    PreparedTable,
    ProgressCallback,
    ProgressEvent,
    hookimpl,
    positive_int,
)

__all__ = ["IndependentGenerator"]


class IndependentGenerator:
    """Draws each prepared column from its own training values."""

    method = "independent"
    backend = "numpy"
    supports_conditions = False
    config_spec: ClassVar[dict[str, ConfigKey]] = {
        "max_values": ConfigKey(
            10_000, (int,), positive_int, "values kept per continuous column"
        ),
    }

    def __init__(
        self, config: Mapping[str, Any], *, seed: int | None, device: str | None
    ) -> None:
        self.config = dict(config)
        self._seed = seed
        self._values: dict[str, np.ndarray] = {}
        self._kinds: dict[str, str] = {}

    def fit(
        self, prepared: PreparedTable, *, progress: ProgressCallback | None
    ) -> None:
        rng = np.random.default_rng(self._seed)
        limit = self.config["max_values"]
        for column in prepared.columns:
            values = column.values
            if column.kind == "continuous" and len(values) > limit:
                values = rng.choice(values, size=limit, replace=False)
            self._values[column.key] = np.asarray(values)
            self._kinds[column.key] = column.kind
        if progress is not None:
            progress(ProgressEvent(stage="fit", step=1, total=1))

    def generate(
        self,
        n: int,
        *,
        rng: np.random.Generator,
        conditions: Mapping[str, Any] | None = None,
    ) -> dict[str, np.ndarray]:
        if conditions:
            raise InvalidConfigError("The independent generator cannot condition.")
        return {key: rng.choice(values, size=n) for key, values in self._values.items()}

    def get_state(self) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
        keys = list(self._values)
        arrays = {f"values.{i}": self._values[key] for i, key in enumerate(keys)}
        return arrays, {"keys": keys, "kinds": [self._kinds[k] for k in keys]}

    @classmethod
    def from_state(
        cls,
        config: Mapping[str, Any],
        arrays: Mapping[str, np.ndarray],
        state: Mapping[str, Any],
        *,
        device: str | None,
    ) -> Self:
        generator = cls(config, seed=None, device=device)
        for i, (key, kind) in enumerate(
            zip(state["keys"], state["kinds"], strict=True)
        ):
            generator._values[key] = np.asarray(arrays[f"values.{i}"])
            generator._kinds[key] = kind
        return generator


@hookimpl
def genesis_register_generators(registry: GeneratorRegistry) -> None:
    registry.register(IndependentGenerator)

"""Genesis: learn real data, generate synthetic data that keeps its patterns.

Users import from here::

    from genesis import SyntheticGenerator
    generator = SyntheticGenerator(method="gaussian_copula", seed=0)
    generator.fit(frame, discrete_columns=["category"])
    synthetic = generator.generate(1000)
"""

from importlib.metadata import PackageNotFoundError, version

from genesis import constraints
from genesis._generator import SyntheticGenerator
from genesis.errors import (
    BackendNotAvailableError,
    ConditionNotMetError,
    GenesisError,
    InvalidConfigError,
    InvalidDataError,
    ModelFileError,
    NotFittedError,
    PluginConflictError,
    TrainingDivergedError,
    UnknownMethodError,
)
from genesis.metadata import ColumnType, TableMetadata
from genesis.protocols import ProgressEvent

try:
    __version__ = version("genesis-synth-core")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0"

__all__ = [
    "BackendNotAvailableError",
    "ColumnType",
    "ConditionNotMetError",
    "GenesisError",
    "InvalidConfigError",
    "InvalidDataError",
    "ModelFileError",
    "NotFittedError",
    "PluginConflictError",
    "ProgressEvent",
    "SyntheticGenerator",
    "TableMetadata",
    "TrainingDivergedError",
    "UnknownMethodError",
    "__version__",
    "constraints",
]

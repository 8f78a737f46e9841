"""Large tables: fit with large batches on a GPU, generate in bounded memory.

``BatchedGenerator`` is the front door for data that does not fit the
defaults: it trains with large batches on the device asked for (a backend
multiplies reduced-precision inputs with float32 sums on CUDA and on CPUs
with AMX, as the config key ``training_precision`` says, and moves the
encoded matrix to the device once), and it generates in batches of
``batch_size`` rows, so memory stays flat however many rows are asked for
(in bfloat16 products where ``sampling_precision`` says)::

    from genesis.gpu import BatchedGenerator

    generator = BatchedGenerator(method="ctgan", device="cuda", batch_size=10_000)
    generator.fit(large_frame, discrete_columns=["category"])
    generator.generate_to("synthetic.parquet", 100_000_000)

The implementation is found through the plugin registry, like every method;
when no installed plugin provides it, the error gives the ``pip install``
line. The mode-specific normalisation is fitted on a random sample of at most
10,000 rows per continuous column, whatever the size of the table.

Generated rows depend on the seed and their position only (see
:meth:`genesis.SyntheticGenerator.iter_batches`), so ``generate``,
``iter_batches``, ``generate_to`` and ``generate_dask`` give the same rows for
the same seed.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Hashable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Self

import pandas as pd

from genesis import _streaming
from genesis._generator import SyntheticGenerator
from genesis._registry import get_registry, resolve_backend
from genesis.errors import InvalidConfigError
from genesis.metadata import TableMetadata
from genesis.protocols import ProgressCallback

if TYPE_CHECKING:
    import dask.dataframe
    import distributed
    import pyarrow

__all__ = ["BatchedGenerator"]

logger = logging.getLogger(__name__)

DEFAULT_BATCH_SIZE = 10_000
# The config key through which a method takes its training batch size.
_BATCH_KEY = "batch_size"


class BatchedGenerator:
    """A generator for large tables: large-batch training, batched generation.

    Args:
        method: ``"ctgan"``, ``"tvae"`` or another registered method.
        device: ``"cuda"``, ``"cpu"`` or ``"auto"`` (a GPU when there is one).
        batch_size: Rows per training step (for methods with a
            ``batch_size`` config key) and rows per generated batch.
        backend: ``"torch"``, ``"jax"`` or None (``GENESIS_BACKEND``, then the
            first installed).
        config: Further config keys of the method; ``batch_size`` is taken
            from the argument.
        seed: Makes fit and generate reproducible on one backend and device.

    Raises:
        UnknownMethodError: ``method`` is a name Genesis does not know; the
            message names the closest one.
        BackendNotAvailableError: No installed plugin provides ``method`` on
            the backend asked for; the message gives the ``pip install`` line.
        InvalidConfigError: ``batch_size`` is not a positive integer, or the
            config does not fit the method.

    The fitted :class:`~genesis.SyntheticGenerator` is ``generator_``.
    """

    def __init__(
        self,
        method: str = "ctgan",
        device: str | None = "auto",
        batch_size: int = DEFAULT_BATCH_SIZE,
        backend: str | None = None,
        *,
        config: Mapping[str, Any] | None = None,
        seed: int | None = None,
    ) -> None:
        self.batch_size = _streaming.check_batch_size(batch_size)
        if device is not None and not isinstance(device, str):
            raise InvalidConfigError(
                f"device must be 'cuda', 'cpu', 'auto' or None, got {device!r}."
            )
        config = dict(config or {})
        if _BATCH_KEY in config and config[_BATCH_KEY] != self.batch_size:
            raise InvalidConfigError(
                f"config sets batch_size={config[_BATCH_KEY]!r} and the argument "
                f"batch_size={self.batch_size!r}; give it once, as the argument."
            )
        chosen = resolve_backend(method, backend)
        spec = get_registry().generators.get(method, chosen).config_spec
        if _BATCH_KEY in spec:
            config[_BATCH_KEY] = self.batch_size
        self.method = method
        self.device = device
        self.backend = backend
        self.config = config
        self.seed = seed
        self.generator_ = SyntheticGenerator(
            method=method, config=config, backend=backend, seed=seed, device=device
        )

    def __repr__(self) -> str:
        return (
            f"BatchedGenerator(method={self.method!r}, device={self.device!r}, "
            f"batch_size={self.batch_size}, seed={self.seed!r})"
        )

    def fit(
        self,
        data: pd.DataFrame,
        discrete_columns: Sequence[Hashable] = (),
        *,
        metadata: TableMetadata | None = None,
        progress: bool | ProgressCallback = True,
    ) -> Self:
        """Learn ``data``; see :meth:`genesis.SyntheticGenerator.fit`."""
        logger.info(
            "Fitting %s on %d rows with batches of %d on device %r",
            self.method,
            len(data),
            self.batch_size,
            self.device,
        )
        self.generator_.fit(
            data, discrete_columns, metadata=metadata, progress=progress
        )
        return self

    def generate(
        self,
        n: int,
        conditions: Mapping[Hashable, Any] | None = None,
        *,
        seed: int | None = None,
    ) -> pd.DataFrame:
        """``n`` rows in one frame, generated ``batch_size`` rows at a time.

        The rows are those of :meth:`iter_batches` with the same seed.
        """
        frames = list(self.iter_batches(n, conditions=conditions, seed=seed))
        if not frames:
            return self.generator_.generate(0, seed=0)
        frame = pd.concat(frames) if len(frames) > 1 else frames[0]
        return frame.reset_index(drop=True)

    def iter_batches(
        self,
        n_rows: int,
        batch_size: int | None = None,
        *,
        conditions: Mapping[Hashable, Any] | None = None,
        seed: int | None = None,
    ) -> Iterator[pd.DataFrame]:
        """See :meth:`genesis.SyntheticGenerator.iter_batches`."""
        return self.generator_.iter_batches(
            n_rows,
            self.batch_size if batch_size is None else batch_size,
            conditions=conditions,
            seed=seed,
        )

    def generate_to(
        self,
        path: str | os.PathLike[str],
        n_rows: int,
        *,
        conditions: Mapping[Hashable, Any] | None = None,
        seed: int | None = None,
        progress: bool | ProgressCallback = False,
    ) -> int:
        """See :meth:`genesis.SyntheticGenerator.generate_to`."""
        return self.generator_.generate_to(
            path,
            n_rows,
            self.batch_size,
            conditions=conditions,
            seed=seed,
            progress=progress,
        )

    def generate_dask(
        self,
        n_rows: int,
        npartitions: int,
        client: distributed.Client | None = None,
        *,
        conditions: Mapping[Hashable, Any] | None = None,
        seed: int | None = None,
    ) -> dask.dataframe.DataFrame:
        """See :meth:`genesis.SyntheticGenerator.generate_dask`.

        Workers load the model on this generator's device.
        """
        return self.generator_.generate_dask(
            n_rows,
            npartitions,
            client,
            conditions=conditions,
            seed=seed,
            device=self.device,
        )

    def parquet_schema(self) -> pyarrow.Schema:
        """See :meth:`genesis.SyntheticGenerator.parquet_schema`."""
        return self.generator_.parquet_schema()

    def save(self, path: str | os.PathLike[str]) -> None:
        """Save the fitted generator; load it with :meth:`load`."""
        self.generator_.save(path)

    @classmethod
    def load(
        cls,
        path: str | os.PathLike[str],
        device: str | None = "auto",
        batch_size: int = DEFAULT_BATCH_SIZE,
        backend: str | None = None,
    ) -> BatchedGenerator:
        """Load a generator saved with :meth:`save` (or by SyntheticGenerator)."""
        loaded = SyntheticGenerator.load(path, backend=backend, device=device)
        batched = cls.__new__(cls)
        batched.batch_size = _streaming.check_batch_size(batch_size)
        batched.method = loaded.method_
        batched.device = device
        batched.backend = backend
        batched.config = dict(loaded.config_)
        batched.seed = loaded.seed
        batched.generator_ = loaded
        return batched

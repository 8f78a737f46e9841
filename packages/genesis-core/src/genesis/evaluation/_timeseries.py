"""Scores for synthetic sequences: the TimeGAN paper's two, and a temporal one.

All three train a small recurrent network after the fact ("post-hoc") on
windows ``(sequences, time steps, features)`` that are first min-max scaled
per feature with the real data's range, so that every feature weighs alike
and the numbers compare with the paper's (the paper's two take
``scale=False`` to score windows as given, as the paper did its sines):

* :func:`discriminative_score`: a GRU classifier learns to tell real windows
  from synthetic ones on 80% of each and is tested on the other 20%; the
  score is ``|accuracy - 0.5|`` (0 when it cannot tell them apart, 0.5 when
  it always can), with accuracy the mean over real and synthetic windows,
  so the two sets need not be of one size.
* :func:`predictive_score`: a GRU trained on the synthetic windows predicts
  the next step of the last feature from the other features, and is scored
  by its mean absolute error on the real windows ("train on synthetic, test
  on real"). This is the paper's task, kept so that the figures are
  comparable with its tables; ``target="all"`` predicts every feature's next
  step from all features instead, for data with one feature or without a
  natural target.
* :func:`temporal_score`: the discriminative score on step-to-step
  differences, with the ratio of mean absolute step sizes. Shuffling the
  time steps inside real windows leaves the discriminative score near 0
  (each step is still a real observation); their differences give it away.

Each takes either two 3-D arrays or two long DataFrames, which are cut into
windows as :meth:`TimeGANGenerator.fit` cuts them (:class:`LongRows`).

The networks have no normalisation, so they only read values near a unit
range: there their units do not saturate. Unscaled real windows outside
:data:`INPUT_RANGE` are refused, synthetic values beyond it are clipped to
it, and a classifier that still gives every window one output, or a NaN,
raises instead of reporting "indistinguishable".

The networks run on torch or jax, whichever serves TimeGAN (chosen once, in
:func:`sequence_models`); none of this module imports either until a score is
asked for.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import warnings
from collections.abc import Callable, Hashable, Iterator, Sequence
from dataclasses import dataclass, replace
from typing import Any, Literal, NamedTuple, Protocol

import numpy as np
import pandas as pd

from genesis._callers import caller_stacklevel
from genesis._registry import install_line, resolve_backend
from genesis.errors import (
    BackendNotAvailableError,
    InvalidConfigError,
    InvalidDataError,
    TrainingDivergedError,
)
from genesis.generators._context import fit_context_columns
from genesis.generators.timeseries import LongRows, generated_entity_column

__all__ = [
    "SequenceModels",
    "TemporalScore",
    "discriminative_score",
    "predictive_score",
    "sequence_models",
    "temporal_score",
]

logger = logging.getLogger(__name__)

# The paper's post-hoc settings: 2,000 classifier and 5,000 predictor
# iterations of 128 windows, and an 80/20 split for the classifier.
CLASSIFIER_ITERATIONS = 2000
PREDICTOR_ITERATIONS = 5000
BATCH_SIZE = 128
TEST_FRACTION = 0.2
LEARNING_RATE = 1e-3
# The networks read values in this range. They have no normalisation, so far
# outside a unit range their units saturate from the first step: every window
# gives the same output and the classifier learns nothing, which read as a
# score of 0 ("indistinguishable") for windows anything but. Real windows
# scaled with their own range lie in [0, 1]; a synthetic value one real range
# or more beyond that gives its window away already, so it is clipped here.
INPUT_RANGE = (-1.0, 2.0)
# A classifier whose test logits differ by no more than this (relative to
# their size) gave every window one output: it learnt nothing, when windows
# differ by more than INPUT_TOLERANCE somewhere.
OUTPUT_TOLERANCE = 1e-6
INPUT_TOLERANCE = 1e-3
# Features out of range that an error lists before summing up.
MAX_SPANS_SHOWN = 5


@dataclass(frozen=True)
class TemporalScore:
    """How well synthetic windows keep the real step-to-step movement.

    Attributes:
        discriminative: ``|accuracy - 0.5|`` of the post-hoc classifier on
            step-to-step differences (0 is best, 0.5 worst).
        step_ratio: Mean absolute step of the synthetic windows divided by
            that of the real ones, on the real data's min-max scale (1 is
            best; below 1 the synthetic series are too smooth, above 1 too
            jumpy).
    """

    discriminative: float
    step_ratio: float


class SequenceModels(Protocol):
    """The post-hoc networks on one backend.

    Inputs are float32 arrays ``(sequences, time steps, features)``.
    """

    def classifier_logits(
        self,
        train: tuple[np.ndarray, np.ndarray],
        test: tuple[np.ndarray, np.ndarray],
        *,
        iterations: int,
        batch_size: int,
        seed: int,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Train a GRU classifier on (real, synthetic) windows; its test logits.

        Each iteration takes ``batch_size`` real and ``batch_size`` synthetic
        windows; the classifier reads a window's last hidden state. Returns
        one logit per real and per synthetic test window (above 0: "real").
        """

    def predictor_error(
        self,
        train: tuple[np.ndarray, np.ndarray],
        test: tuple[np.ndarray, np.ndarray],
        *,
        iterations: int,
        batch_size: int,
        seed: int,
    ) -> float:
        """Train a GRU on (inputs, targets) per step; mean absolute test error."""


# -- the backend -------------------------------------------------------------


def sequence_models(backend: str | None = None) -> SequenceModels:
    """The post-hoc networks on ``backend``: the one place this choice is made.

    The backend is the one that serves method ``"timegan"``, chosen by
    :func:`genesis._registry.resolve_backend` (``backend``, then
    ``GENESIS_BACKEND``, then the first installed of torch and jax).

    Raises:
        BackendNotAvailableError: Neither torch nor jax serves TimeGAN here;
            the message gives the ``pip install`` line.
    """
    chosen = resolve_backend("timegan", backend)
    if chosen == "torch":
        return _TorchSequenceModels()
    if chosen == "jax":
        return _JaxSequenceModels()
    raise BackendNotAvailableError(
        f"The time-series scores have no post-hoc networks on backend {chosen!r}; "
        f"they run on torch or jax. Run: {install_line('torch')}"
    )


class _TorchSequenceModels:
    """:class:`SequenceModels` on torch, on the CPU.

    The networks are tiny (a single GRU layer of ``features // 2`` units, as
    in the paper), so one CPU thread runs them faster than a GPU or several
    threads would.
    """

    def __init__(self) -> None:
        import torch

        self._torch = torch

    @contextlib.contextmanager
    def _one_thread(self) -> Iterator[None]:
        previous = self._torch.get_num_threads()
        self._torch.set_num_threads(1)
        try:
            yield
        finally:
            self._torch.set_num_threads(previous)

    def _network(self, inputs: int, hidden: int, outputs: int, seed: int) -> Any:
        """A one-layer GRU and a dense head, initialised from ``seed``."""
        torch = self._torch
        generator = torch.Generator().manual_seed(seed)
        with torch.device("meta"):
            gru = torch.nn.GRU(inputs, hidden, batch_first=True)
            head = torch.nn.Linear(hidden, outputs)
        gru, head = gru.to_empty(device="cpu"), head.to_empty(device="cpu")
        with torch.no_grad():
            for layer, fan_in in ((gru, hidden), (head, hidden)):
                bound = fan_in**-0.5
                for parameter in layer.parameters():
                    parameter.uniform_(-bound, bound, generator=generator)
        return gru, head, generator

    def classifier_logits(
        self,
        train: tuple[np.ndarray, np.ndarray],
        test: tuple[np.ndarray, np.ndarray],
        *,
        iterations: int,
        batch_size: int,
        seed: int,
    ) -> tuple[np.ndarray, np.ndarray]:
        torch = self._torch
        functional = torch.nn.functional
        n_features = train[0].shape[-1]
        gru, head, generator = self._network(
            n_features, max(1, n_features // 2), 1, seed
        )
        optimizer = torch.optim.Adam(
            [*gru.parameters(), *head.parameters()], LEARNING_RATE
        )
        real, synthetic = (torch.as_tensor(a) for a in train)
        real_batch = min(batch_size, len(real))
        synthetic_batch = min(batch_size, len(synthetic))
        labels = torch.cat([torch.ones(real_batch, 1), torch.zeros(synthetic_batch, 1)])

        def logits(windows: Any) -> Any:
            hidden, _ = gru(windows)
            return head(hidden[:, -1])

        with self._one_thread():
            for _ in range(iterations):
                real_index = torch.randint(
                    len(real), (real_batch,), generator=generator
                )
                synthetic_index = torch.randint(
                    len(synthetic), (synthetic_batch,), generator=generator
                )
                batch = torch.cat([real[real_index], synthetic[synthetic_index]])
                loss = functional.binary_cross_entropy_with_logits(
                    logits(batch), labels
                )
                optimizer.zero_grad(set_to_none=True)
                loss.backward()
                optimizer.step()
            with torch.no_grad():
                real_logits, synthetic_logits = (
                    logits(torch.as_tensor(windows))[:, 0].numpy() for windows in test
                )
        return real_logits, synthetic_logits

    def predictor_error(
        self,
        train: tuple[np.ndarray, np.ndarray],
        test: tuple[np.ndarray, np.ndarray],
        *,
        iterations: int,
        batch_size: int,
        seed: int,
    ) -> float:
        torch = self._torch
        inputs, targets = (torch.as_tensor(a) for a in train)
        n_inputs, n_targets = inputs.shape[-1], targets.shape[-1]
        gru, head, generator = self._network(
            n_inputs, max(1, n_inputs // 2), n_targets, seed
        )
        optimizer = torch.optim.Adam(
            [*gru.parameters(), *head.parameters()], LEARNING_RATE
        )
        size = min(batch_size, len(inputs))

        def predict(windows: Any) -> Any:
            hidden, _ = gru(windows)
            return torch.sigmoid(head(hidden))

        with self._one_thread():
            for _ in range(iterations):
                index = torch.randint(len(inputs), (size,), generator=generator)
                loss = (predict(inputs[index]) - targets[index]).abs().mean()
                optimizer.zero_grad(set_to_none=True)
                loss.backward()
                optimizer.step()
            with torch.no_grad():
                error = predict(torch.as_tensor(test[0])) - torch.as_tensor(test[1])
        return float(error.abs().mean())


class _JaxSequenceModels:
    """:class:`SequenceModels` on jax, on its default device.

    The same networks as on torch (a single GRU layer of ``features // 2``
    units and a dense head, torch's initial values), written with
    ``lax.scan``. A whole training run is one compiled loop that draws its
    batches inside, so its cost is the arithmetic, not Python; compiled
    loops are kept per shape for the next score.
    """

    def __init__(self) -> None:
        self._loops = _jax_post_hoc()

    @staticmethod
    def _key(seed: int) -> Any:
        import jax

        return jax.random.key(seed % 2**32)

    @staticmethod
    def _network(
        inputs: int, hidden: int, outputs: int, seed: int
    ) -> dict[str, np.ndarray]:
        """GRU and head weights, uniform on +-1/sqrt(hidden) as torch draws them."""
        rng = np.random.default_rng(seed)
        bound = hidden**-0.5
        shapes = {
            "input_weight": (3 * hidden, inputs),
            "recurrent_weight": (3 * hidden, hidden),
            "input_bias": (3 * hidden,),
            "recurrent_bias": (3 * hidden,),
            "head_weight": (outputs, hidden),
            "head_bias": (outputs,),
        }
        return {
            name: rng.uniform(-bound, bound, shape).astype(np.float32)
            for name, shape in shapes.items()
        }

    def classifier_logits(
        self,
        train: tuple[np.ndarray, np.ndarray],
        test: tuple[np.ndarray, np.ndarray],
        *,
        iterations: int,
        batch_size: int,
        seed: int,
    ) -> tuple[np.ndarray, np.ndarray]:
        n_features = train[0].shape[-1]
        params = self._network(n_features, max(1, n_features // 2), 1, seed)
        batches = (min(batch_size, len(train[0])), min(batch_size, len(train[1])))
        real_logits, synthetic_logits = self._loops.classifier(
            params, *train, *test, iterations, self._key(seed), batches
        )
        return np.asarray(real_logits), np.asarray(synthetic_logits)

    def predictor_error(
        self,
        train: tuple[np.ndarray, np.ndarray],
        test: tuple[np.ndarray, np.ndarray],
        *,
        iterations: int,
        batch_size: int,
        seed: int,
    ) -> float:
        n_inputs, n_targets = train[0].shape[-1], train[1].shape[-1]
        params = self._network(n_inputs, max(1, n_inputs // 2), n_targets, seed)
        size = min(batch_size, len(train[0]))
        error = self._loops.predictor(
            params, *train, *test, iterations, self._key(seed), size
        )
        return float(error)


class _JaxLoops(NamedTuple):
    """Compiled post-hoc training runs on jax, returning test results
    (the classifier's logits, the predictor's mean absolute error).

    Both take ``(params, train_a, train_b, test_a, test_b, iterations, key,
    batch shape)``; the batch shape is static.
    """

    classifier: Callable[..., Any]
    predictor: Callable[..., Any]


@functools.cache
def _jax_post_hoc() -> _JaxLoops:
    """The compiled post-hoc training loops on jax, built once per process."""
    import jax
    import jax.numpy as jnp
    import optax

    adam = optax.adam(LEARNING_RATE)

    def gru_states(params: Any, windows: Any) -> Any:
        """GRU hidden states ``(batch, steps, hidden)`` of ``windows``."""
        projected = (
            jnp.swapaxes(windows, 0, 1) @ params["input_weight"].T
            + params["input_bias"]
        )

        def step(state: Any, projected_step: Any) -> tuple[Any, Any]:
            recurrent = state @ params["recurrent_weight"].T + params["recurrent_bias"]
            input_reset, input_update, input_candidate = jnp.split(
                projected_step, 3, -1
            )
            state_reset, state_update, state_candidate = jnp.split(recurrent, 3, -1)
            reset = jax.nn.sigmoid(input_reset + state_reset)
            update = jax.nn.sigmoid(input_update + state_update)
            candidate = jnp.tanh(input_candidate + reset * state_candidate)
            state = (1 - update) * candidate + update * state
            return state, state

        hidden = params["recurrent_weight"].shape[1]
        initial = jnp.zeros((windows.shape[0], hidden), windows.dtype)
        _, states = jax.lax.scan(step, initial, projected)
        return jnp.swapaxes(states, 0, 1)

    def head(params: Any, states: Any) -> Any:
        return states @ params["head_weight"].T + params["head_bias"]

    def train(loss: Any, params: Any, iterations: Any, key: Any, draw: Any) -> Any:
        def body(i: Any, carry: Any) -> Any:
            params, state = carry
            grads = jax.grad(loss)(params, *draw(jax.random.fold_in(key, i)))
            updates, state = adam.update(grads, state, params)
            return optax.apply_updates(params, updates), state

        return jax.lax.fori_loop(0, iterations, body, (params, adam.init(params)))[0]

    @functools.partial(jax.jit, static_argnums=7)
    def classifier(
        params: Any,
        real: Any,
        synthetic: Any,
        real_test: Any,
        synthetic_test: Any,
        iterations: Any,
        key: Any,
        batches: tuple[int, int],
    ) -> Any:
        def logits(params: Any, windows: Any) -> Any:
            return head(params, gru_states(params, windows)[:, -1])

        labels = jnp.concatenate(
            [jnp.ones((batches[0], 1)), jnp.zeros((batches[1], 1))]
        )

        def draw(key: Any) -> tuple[Any]:
            real_key, synthetic_key = jax.random.split(key)
            real_index = jax.random.randint(real_key, (batches[0],), 0, len(real))
            synthetic_index = jax.random.randint(
                synthetic_key, (batches[1],), 0, len(synthetic)
            )
            return (jnp.concatenate([real[real_index], synthetic[synthetic_index]]),)

        def loss(params: Any, windows: Any) -> Any:
            return optax.sigmoid_binary_cross_entropy(
                logits(params, windows), labels
            ).mean()

        params = train(loss, params, iterations, key, draw)
        return logits(params, real_test)[:, 0], logits(params, synthetic_test)[:, 0]

    @functools.partial(jax.jit, static_argnums=7)
    def predictor(
        params: Any,
        inputs: Any,
        targets: Any,
        test_inputs: Any,
        test_targets: Any,
        iterations: Any,
        key: Any,
        size: int,
    ) -> Any:
        def predict(params: Any, windows: Any) -> Any:
            return jax.nn.sigmoid(head(params, gru_states(params, windows)))

        def draw(key: Any) -> tuple[Any, Any]:
            index = jax.random.randint(key, (size,), 0, len(inputs))
            return inputs[index], targets[index]

        def loss(params: Any, windows: Any, expected: Any) -> Any:
            return jnp.abs(predict(params, windows) - expected).mean()

        params = train(loss, params, iterations, key, draw)
        return jnp.abs(predict(params, test_inputs) - test_targets).mean()

    return _JaxLoops(classifier, predictor)


# -- checks and scaling ------------------------------------------------------


@dataclass(frozen=True)
class _FrameOptions:
    """How the scores read long frames: the arguments fit takes, and seq_len."""

    entity_column: Hashable | None = None
    time_column: Hashable | None = None
    context_columns: Sequence[Hashable] | None = None
    discrete_columns: Sequence[Hashable] | None = None
    seq_len: int | None = None

    def given(self) -> list[str]:
        """The names of the arguments that were passed."""
        return [name for name, value in self.__dict__.items() if value is not None]


@dataclass(frozen=True)
class _WindowPair:
    """Real and synthetic windows of one shape, and what their columns hold.

    ``names`` says, for messages, which feature or column each entry of the
    last axis comes from; the first ``n_context`` entries hold context
    columns (constant over a window), the rest time-varying features.
    """

    real: np.ndarray
    synthetic: np.ndarray
    names: list[str]
    n_context: int = 0


def _check_windows(name: str, windows: Any) -> np.ndarray:
    if not isinstance(windows, np.ndarray) or windows.ndim != 3:
        shape = getattr(windows, "shape", None)
        raise InvalidDataError(
            f"{name} must be a 3-D array (sequences, time steps, features) or a "
            f"long DataFrame; got {type(windows).__name__}"
            + (f" of shape {shape}." if shape else ".")
        )
    if not np.issubdtype(windows.dtype, np.number):
        raise InvalidDataError(
            f"{name} has dtype {windows.dtype}; it must hold numbers."
        )
    if not np.isfinite(windows).all():
        raise InvalidDataError(
            f"{name} has {int((~np.isfinite(windows)).sum())} missing or infinite "
            "values; the scores need finite numbers."
        )
    if len(windows) < 2 or windows.shape[1] < 2:
        raise InvalidDataError(
            f"{name} has shape {windows.shape}; the scores need at least 2 sequences "
            "of at least 2 time steps."
        )
    return windows.astype(np.float64)


def _window_pair(real: Any, synthetic: Any, options: _FrameOptions) -> _WindowPair:
    """Both sets as checked float64 windows of one shape."""
    frames = (isinstance(real, pd.DataFrame), isinstance(synthetic, pd.DataFrame))
    if frames == (True, True):
        return _frame_pair(real, synthetic, options)
    if any(frames):
        raise InvalidDataError(
            f"real is a {type(real).__name__} and synthetic a "
            f"{type(synthetic).__name__}; pass both as long DataFrames (generate "
            "gives one for a generator fitted on a frame) or both as 3-D arrays."
        )
    if given := options.given():
        raise InvalidDataError(
            f"{', '.join(given)} describe long DataFrames, but real is a "
            f"{type(real).__name__}; pass DataFrames or leave them out (arrays "
            "are scored as the windows they hold)."
        )
    real = _check_windows("real", real)
    synthetic = _check_windows("synthetic", synthetic)
    if real.shape[1:] != synthetic.shape[1:]:
        raise InvalidDataError(
            f"real windows have shape {real.shape[1:]} (time steps, features) and "
            f"synthetic ones {synthetic.shape[1:]}; generate windows of the real "
            "data's length and features."
        )
    names = [f"feature {i}" for i in range(real.shape[-1])]
    return _WindowPair(real, synthetic, names)


@contextlib.contextmanager
def _in_frame(name: str) -> Iterator[None]:
    """Say which of the two frames a data error is about."""
    try:
        yield
    except InvalidDataError as exc:
        raise InvalidDataError(f"In the {name} frame: {exc}") from exc


def _frame_pair(
    real: pd.DataFrame, synthetic: pd.DataFrame, options: _FrameOptions
) -> _WindowPair:
    """Windows cut from two long frames as :meth:`TimeGANGenerator.fit` cuts.

    The real frame's context columns are encoded for both (categories
    one-hot over the real values) and come first in every window.
    """
    seq_len = None if options.seq_len is None else _check_seq_len(options.seq_len)
    for name, frame in (("real", real), ("synthetic", synthetic)):
        if frame.empty:
            raise InvalidDataError(
                f"The {name} frame is empty; there is nothing to score."
            )
    with _in_frame("real"):
        real_rows = LongRows.check(real, *_row_arguments(options))
    entity_column = options.entity_column
    if entity_column is None and generated_entity_column(real.columns) in synthetic:
        # generate gives a frame fitted without an entity column one for
        # its sequences; the real frame is then one long sequence.
        entity_column = generated_entity_column(real.columns)
    with _in_frame("synthetic"):
        synthetic_rows = LongRows.check(
            synthetic, entity_column, *_row_arguments(options)[1:]
        )
    features = real_rows.features
    _check_same_features(features, synthetic_rows.features)
    if seq_len is None:
        seq_len = _synthetic_length(synthetic_rows)
    with _in_frame("real"):
        context = fit_context_columns(
            real,
            real_rows.context_columns,
            real_rows.discrete_columns,
            options.entity_column,
        )
    names = [repr(column.name) for column in context for _ in range(column.width)]
    names += [repr(feature) for feature in features]
    cut = []
    for name, rows in (("real", real_rows), ("synthetic", synthetic_rows)):
        values = np.column_stack([rows.encode_context(context), rows.values(features)])
        _check_finite_columns(name, values, names)
        cut.append(_cut_windows(name, rows, values, seq_len))
    real_windows = _check_windows("real", cut[0])
    synthetic_windows = _check_windows("synthetic", cut[1])
    return _WindowPair(
        real_windows, synthetic_windows, names, len(names) - len(features)
    )


def _row_arguments(options: _FrameOptions) -> tuple[Any, ...]:
    return (
        options.entity_column,
        options.time_column,
        () if options.context_columns is None else options.context_columns,
        () if options.discrete_columns is None else options.discrete_columns,
    )


def _check_seq_len(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 2:
        raise InvalidConfigError(
            f"seq_len must be an integer of at least 2 (time steps per window), "
            f"got {value!r}."
        )
    return int(value)


def _check_same_features(real: list[Hashable], synthetic: list[Hashable]) -> None:
    if missing := [c for c in real if c not in synthetic]:
        raise InvalidDataError(
            f"The synthetic frame lacks the feature column(s) {missing!r} of the "
            "real frame; score frames with the same columns."
        )
    if extra := [c for c in synthetic if c not in real]:
        raise InvalidDataError(
            f"The synthetic frame has column(s) {extra!r}, which the real frame "
            "does not; drop them, or name them in entity_column, time_column or "
            "context_columns as for the real frame."
        )


def _synthetic_length(rows: LongRows) -> int:
    """The length of every synthetic sequence: the windows' length."""
    lengths = sorted({stop - start for start, stop in rows.bounds})
    if len(lengths) > 1:
        raise InvalidDataError(
            f"The synthetic sequences have {len(lengths)} different lengths "
            f"({lengths[0]} to {lengths[-1]} rows), so they do not say how long "
            "a window is; pass seq_len= to cut both frames into windows of that "
            "many steps."
        )
    if lengths[0] < 2:
        raise InvalidDataError(
            "The synthetic sequences have 1 row each; the scores need sequences "
            "of at least 2 time steps."
        )
    return lengths[0]


def _check_finite_columns(name: str, values: np.ndarray, names: list[str]) -> None:
    bad = (~np.isfinite(values)).sum(axis=0)
    if not bad.any():
        return
    listed = ", ".join(
        f"{column} ({count})"
        for column, count in dict.fromkeys(
            (names[i], int(bad[i])) for i in np.flatnonzero(bad)
        )
    )
    raise InvalidDataError(
        f"The {name} frame has missing or infinite values in {listed}; the scores "
        "need finite numbers. Fill or drop them first."
    )


def _cut_windows(
    name: str, rows: LongRows, values: np.ndarray, seq_len: int
) -> np.ndarray:
    windows, short = rows.windows(values, seq_len)
    if not len(windows):
        raise InvalidDataError(
            f"Every {name} sequence is shorter than seq_len={seq_len} (the "
            f"longest has {rows.longest()} rows); pass a smaller seq_len."
        )
    if short:
        warnings.warn(
            f"{len(short)} of {len(rows.bounds)} {name} entities have fewer than "
            f"seq_len={seq_len} rows and are left out of the score (for example "
            f"{short[:5]!r}).",
            stacklevel=caller_stacklevel(),
        )
    return windows


def _check_scale(scale: Any) -> bool:
    if not isinstance(scale, bool):
        raise InvalidConfigError(f"scale must be True or False, got {scale!r}.")
    return scale


def _scaled_pair(pair: _WindowPair, scale: bool) -> _WindowPair:
    """Both min-max scaled per feature with the real data's range (``scale``),
    or as they are."""
    if not scale:
        return pair
    return replace(
        pair,
        real=_min_max(pair.real, pair.real),
        synthetic=_min_max(pair.synthetic, pair.real),
    )


def _refuse_saturating(pair: _WindowPair) -> None:
    """With ``scale=False``, refuse real windows the networks cannot read."""
    low, high = pair.real.min(axis=(0, 1)), pair.real.max(axis=(0, 1))
    outside = np.flatnonzero((low < INPUT_RANGE[0]) | (high > INPUT_RANGE[1]))
    if not len(outside):
        return
    spans = [f"{pair.names[i]} spans [{low[i]:.4g}, {high[i]:.4g}]" for i in outside]
    if len(spans) > MAX_SPANS_SHOWN:
        spans[MAX_SPANS_SHOWN - 1 :] = [f"{len(spans) - MAX_SPANS_SHOWN + 1} more"]
    raise InvalidDataError(
        "With scale=False the windows reach the post-hoc networks as given, so "
        f"the real values must lie in [{INPUT_RANGE[0]:g}, {INPUT_RANGE[1]:g}] "
        "(a unit range, with one range to spare on either side): far outside "
        "it the networks' units saturate, every window gives them the same "
        "output, and the score would say nothing about the windows. In the "
        f"real windows {', '.join(spans)}. Leave scale=True, which min-max "
        "scales both sets with the real range, or scale them to [0, 1] first."
    )


def _network_inputs(windows: np.ndarray) -> np.ndarray:
    """``windows`` as the networks take them: float32, within :data:`INPUT_RANGE`."""
    return np.clip(windows, *INPUT_RANGE).astype(np.float32)


def _min_max(values: np.ndarray, reference: np.ndarray) -> np.ndarray:
    low = reference.min(axis=(0, 1))
    span = reference.max(axis=(0, 1)) - low
    return (values - low) / np.where(span > 0, span, 1.0)


def _split(
    windows: np.ndarray, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    n_test = max(1, round(len(windows) * TEST_FRACTION))
    order = rng.permutation(len(windows))
    return windows[order[n_test:]], windows[order[:n_test]]


def _check_count(name: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise InvalidConfigError(f"{name} must be a positive integer, got {value!r}.")
    return value


def _seeds(seed: int, repeats: int) -> range:
    """The seeds of ``repeats`` runs: ``seed``, ``seed + 1``, ..."""
    return range(seed, seed + _check_count("repeats", repeats))


def _test_accuracy(
    logits: tuple[np.ndarray, np.ndarray], test: tuple[np.ndarray, np.ndarray]
) -> float:
    """The classifier's accuracy on the test windows, from its logits.

    Accuracy is the mean of the accuracies on the real and on the synthetic
    windows, so that unequal counts do not reward calling every window the
    more common kind.

    Raises:
        TrainingDivergedError: A logit is NaN or infinite.
        InvalidDataError: Every test window got the same logit although the
            windows differ: the classifier's units saturated, so it learnt
            nothing, and its accuracy of one half would read as
            "indistinguishable".
    """
    every = np.concatenate(logits)
    if not np.isfinite(every).all():
        raise TrainingDivergedError(
            f"The post-hoc classifier gave {int((~np.isfinite(every)).sum())} of "
            f"{len(every)} test windows a NaN or infinite output: its training "
            "diverged, so it says nothing about the windows and no score is "
            "given. Score again with another seed."
        )
    windows = np.concatenate(test)
    spread = float(np.ptp(every))
    differ = float(np.ptp(windows, axis=0).max()) > INPUT_TOLERANCE
    if differ and spread <= OUTPUT_TOLERANCE * max(1.0, float(np.abs(every).max())):
        raise InvalidDataError(
            "The post-hoc classifier gave every test window the same output "
            "although the windows differ: its units saturated, so it learnt "
            "nothing from them, and its accuracy of one half would read as "
            "'indistinguishable' (a score of 0) whatever the windows. Check "
            "that the features are on comparable scales (scale=True makes them "
            "so)."
        )
    real_right = float((logits[0] > 0).mean())
    synthetic_right = float((logits[1] <= 0).mean())
    return (real_right + synthetic_right) / 2


def _classifier_score(
    real: np.ndarray,
    synthetic: np.ndarray,
    iterations: int,
    batch_size: int,
    seed: int,
    backend: str | None,
    repeats: int = 1,
) -> float:
    """Mean ``|accuracy - 0.5|`` over ``repeats`` runs, each its own split."""
    seeds = _seeds(seed, repeats)
    iterations = _check_count("iterations", iterations)
    batch_size = _check_count("batch_size", batch_size)
    models = sequence_models(backend)
    real, synthetic = _network_inputs(real), _network_inputs(synthetic)
    scores = []
    one_class = 0
    for run_seed in seeds:
        rng = np.random.default_rng(run_seed)
        real_train, real_test = _split(real, rng)
        synthetic_train, synthetic_test = _split(synthetic, rng)
        logits = models.classifier_logits(
            (real_train, synthetic_train),
            (real_test, synthetic_test),
            iterations=iterations,
            batch_size=batch_size,
            seed=run_seed,
        )
        accuracy = _test_accuracy(logits, (real_test, synthetic_test))
        scores.append(abs(accuracy - 0.5))
        called = np.concatenate(logits) > 0
        one_class += bool(called.all() or not called.any())
    if one_class:
        warnings.warn(
            f"In {one_class} of {len(seeds)} runs the post-hoc classifier called "
            "every test window the same kind (all real or all synthetic): it "
            f"separated nothing in {iterations} iterations, so its score of 0 "
            "there says that it learnt too little, not that the windows are "
            f"alike. Raise iterations (the paper ran {CLASSIFIER_ITERATIONS:,}).",
            stacklevel=caller_stacklevel(),
        )
    return float(np.mean(scores))


# -- the scores --------------------------------------------------------------


def discriminative_score(
    real: np.ndarray | pd.DataFrame,
    synthetic: np.ndarray | pd.DataFrame,
    *,
    entity_column: Hashable | None = None,
    time_column: Hashable | None = None,
    context_columns: Sequence[Hashable] | None = None,
    discrete_columns: Sequence[Hashable] | None = None,
    seq_len: int | None = None,
    iterations: int = CLASSIFIER_ITERATIONS,
    batch_size: int = BATCH_SIZE,
    seed: int = 0,
    backend: str | None = None,
    scale: bool = True,
    repeats: int = 1,
) -> float:
    """The TimeGAN paper's discriminative score: ``|accuracy - 0.5|``, lower is better.

    One run's score depends much on the classifier's seed: on one TimeGAN
    output for the paper's sines, five seeds gave 0.036 to 0.23. The paper
    reported the mean of 10 runs; ``repeats=10`` does the same.

    The classifier is small (``features // 2`` units), so how far apart the
    values lie changes how much it learns in its iterations: the same
    windows score higher on a wider scale. By default both sets are
    min-max scaled with the real data's range, so every feature spans
    [0, 1]; this is what the paper's code did for stocks and energy. Its
    sines it scored as ``(x + 1) / 2``, which spans about [0.5, 1]: to
    compare with that figure, pass windows in those units with
    ``scale=False``. Unscaled real windows must lie in [-1, 2]: far outside
    a unit range the classifier's units saturate and it learns nothing.
    Either way, synthetic values beyond [-1, 2] (one real range past the
    real data's, when scaled) are clipped there before the classifier reads
    them; a value that far out already gives its window away.

    Args:
        real: Real windows ``(sequences, time steps, features)``, or a long
            DataFrame, as :meth:`TimeGANGenerator.fit` takes.
        synthetic: Synthetic windows of the same time steps and features,
            or a long DataFrame of the same columns (what ``generate``
            gives for a generator fitted on a frame).
        entity_column: For frames: the column naming each row's sequence,
            as given to ``fit``; None when the real frame is one sequence
            (a synthetic frame then keeps its sequences in the column
            ``generate`` added, ``"sequence_id"``).
        time_column: For frames: the column to order each sequence's rows by.
        context_columns: For frames: columns that hold one value per entity,
            as given to ``fit``; they join every window as constant
            features, encoded as fit encodes them from the real frame.
        discrete_columns: For frames: numeric context columns to treat as
            categories, as given to ``fit``.
        seq_len: For frames: time steps per window. Both frames are cut
            into every window of ``seq_len`` consecutive rows of each
            sequence, as fit cuts them; by default the length of the
            synthetic sequences, which must then all be as long.
        iterations: Training batches of the post-hoc classifier.
        batch_size: Real (and synthetic) windows per batch.
        seed: Fixes the split, the initial weights and the batches.
        backend: ``"torch"``, ``"jax"`` or None (see :func:`sequence_models`).
        scale: Min-max scale both sets with the real range first (True), or
            score the windows as given (False).
        repeats: Runs to average, with seeds ``seed``, ``seed + 1``, ...;
            each draws its own split.

    Raises:
        InvalidDataError: The windows are not 3-D, finite and alike in shape;
            a frame's column arguments do not fit it; or, with
            ``scale=False``, real values lie outside [-1, 2].
        InvalidConfigError: ``scale`` is not a bool, or a count is not a
            positive integer.
        TrainingDivergedError: The classifier's output is not finite.
        BackendNotAvailableError: No backend can run the classifier.
    """
    scale = _check_scale(scale)
    options = _FrameOptions(
        entity_column, time_column, context_columns, discrete_columns, seq_len
    )
    pair = _scaled_pair(_window_pair(real, synthetic, options), scale)
    if not scale:
        _refuse_saturating(pair)
    return _classifier_score(
        pair.real, pair.synthetic, iterations, batch_size, seed, backend, repeats
    )


def predictive_score(
    real: np.ndarray | pd.DataFrame,
    synthetic: np.ndarray | pd.DataFrame,
    *,
    entity_column: Hashable | None = None,
    time_column: Hashable | None = None,
    context_columns: Sequence[Hashable] | None = None,
    discrete_columns: Sequence[Hashable] | None = None,
    seq_len: int | None = None,
    target: Literal["last", "all"] = "last",
    iterations: int = PREDICTOR_ITERATIONS,
    batch_size: int = BATCH_SIZE,
    seed: int = 0,
    backend: str | None = None,
    scale: bool = True,
    repeats: int = 1,
) -> float:
    """The TimeGAN paper's predictive score: train on synthetic, test on real.

    A GRU trained on the synthetic windows predicts, at every step, the next
    step of the last feature from the other features (``target="last"``,
    the paper's task), or of every feature from all features
    (``target="all"``). The score is its mean absolute error on all real
    windows, on the real data's min-max scale (on the windows' own scale
    with ``scale=False``); lower is better. Compare it with the same score
    of the real windows themselves (``predictive_score(real, real)``): that
    is the best to expect. For long frames, the features are the
    time-varying columns in the real frame's order; context columns are
    inputs only, never targets.

    Args:
        real: Real windows ``(sequences, time steps, features)``, or a long
            DataFrame (see :func:`discriminative_score`).
        synthetic: Synthetic windows of the same time steps and features,
            or a long DataFrame of the same columns.
        entity_column: For frames, as in :func:`discriminative_score`.
        time_column: For frames, as in :func:`discriminative_score`.
        context_columns: For frames, as in :func:`discriminative_score`.
        discrete_columns: For frames, as in :func:`discriminative_score`.
        seq_len: For frames, as in :func:`discriminative_score`.
        target: ``"last"`` or ``"all"``, as above.
        iterations: Training batches of the post-hoc predictor.
        batch_size: Synthetic windows per batch.
        seed: Fixes the initial weights and the batches.
        backend: ``"torch"``, ``"jax"`` or None (see :func:`sequence_models`).
        scale: Min-max scale both sets with the real range first (True), or
            score the windows as given (False; see
            :func:`discriminative_score`). The predictor's output is a
            sigmoid, so unscaled targets must lie in [0, 1], and the other
            real values in [-1, 2].
        repeats: Runs to average, with seeds ``seed``, ``seed + 1``, ...
            (the paper averaged 10).

    Raises:
        InvalidDataError: The windows are not 3-D, finite and alike in shape,
            a frame's column arguments do not fit it, ``target="last"`` with
            a single feature, or ``scale=False`` with real targets outside
            [0, 1] or other real values outside [-1, 2].
        InvalidConfigError: ``target`` is neither ``"last"`` nor ``"all"``,
            or ``scale`` is not a bool.
        TrainingDivergedError: The predictor's error is not finite.
        BackendNotAvailableError: No backend can run the predictor.
    """
    if target not in ("last", "all"):
        raise InvalidConfigError(f"target must be 'last' or 'all', got {target!r}.")
    scale = _check_scale(scale)
    options = _FrameOptions(
        entity_column, time_column, context_columns, discrete_columns, seq_len
    )
    pair = _scaled_pair(_window_pair(real, synthetic, options), scale)
    if target == "last" and pair.real.shape[-1] - pair.n_context < 2:
        raise InvalidDataError(
            "target='last' predicts the last feature from the others, but the data "
            "has one feature; use target='all'."
        )
    inputs = slice(None, -1) if target == "last" else slice(None)
    outputs = slice(-1, None) if target == "last" else slice(pair.n_context, None)
    targets = pair.real[:, :, outputs]
    if not scale and (targets.min() < 0 or targets.max() > 1):
        raise InvalidDataError(
            f"With scale=False the real targets must lie in [0, 1], the range of "
            f"the predictor's sigmoid; they span [{targets.min():.4g}, "
            f"{targets.max():.4g}]. Scale them, or leave scale=True."
        )
    if not scale:
        _refuse_saturating(pair)

    def task(windows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        windows = _network_inputs(windows)
        return windows[:, :-1, inputs], windows[:, 1:, outputs]

    train, test = task(pair.synthetic), task(pair.real)
    seeds = _seeds(seed, repeats)
    iterations = _check_count("iterations", iterations)
    batch_size = _check_count("batch_size", batch_size)
    models = sequence_models(backend)
    errors = [
        models.predictor_error(
            train,
            test,
            iterations=iterations,
            batch_size=batch_size,
            seed=run_seed,
        )
        for run_seed in seeds
    ]
    if not np.isfinite(errors).all():
        raise TrainingDivergedError(
            "The post-hoc predictor's error on the real windows is NaN or "
            "infinite: its training diverged, so it says nothing about the "
            "windows and no score is given. Score again with another seed."
        )
    return float(np.mean(errors))


def temporal_score(
    real: np.ndarray | pd.DataFrame,
    synthetic: np.ndarray | pd.DataFrame,
    *,
    entity_column: Hashable | None = None,
    time_column: Hashable | None = None,
    context_columns: Sequence[Hashable] | None = None,
    discrete_columns: Sequence[Hashable] | None = None,
    seq_len: int | None = None,
    iterations: int = CLASSIFIER_ITERATIONS,
    batch_size: int = BATCH_SIZE,
    seed: int = 0,
    backend: str | None = None,
    repeats: int = 1,
) -> TemporalScore:
    """How well synthetic windows keep the real data's step-to-step movement.

    The discriminative score misses broken time order: real windows with
    their steps shuffled still score near 0, since every step is a real
    observation. This runs the same classifier on the differences between
    consecutive steps (min-max scaled with the real differences' range;
    synthetic differences beyond [-1, 2] on that scale are clipped there
    for the classifier), and adds the ratio of mean absolute step sizes,
    synthetic over real.

    Args:
        real: Real windows ``(sequences, time steps, features)``, or a long
            DataFrame (see :func:`discriminative_score`).
        synthetic: Synthetic windows of the same time steps and features,
            or a long DataFrame of the same columns.
        entity_column: For frames, as in :func:`discriminative_score`.
        time_column: For frames, as in :func:`discriminative_score`.
        context_columns: For frames, as in :func:`discriminative_score`.
        discrete_columns: For frames, as in :func:`discriminative_score`.
        seq_len: For frames, as in :func:`discriminative_score`.
        iterations: Training batches of the post-hoc classifier.
        batch_size: Real (and synthetic) windows per batch.
        seed: Fixes the split, the initial weights and the batches.
        backend: ``"torch"``, ``"jax"`` or None (see :func:`sequence_models`).
        repeats: Classifier runs to average, with seeds ``seed``,
            ``seed + 1``, ...

    Raises:
        InvalidDataError: The windows are not 3-D, finite and alike in
            shape, or a frame's column arguments do not fit it.
        TrainingDivergedError: The classifier's output is not finite.
        BackendNotAvailableError: No backend can run the classifier.
    """
    options = _FrameOptions(
        entity_column, time_column, context_columns, discrete_columns, seq_len
    )
    pair = _scaled_pair(_window_pair(real, synthetic, options), scale=True)
    real_steps = np.diff(pair.real, axis=1)
    synthetic_steps = np.diff(pair.synthetic, axis=1)
    real_size = float(np.abs(real_steps).mean())
    synthetic_size = float(np.abs(synthetic_steps).mean())
    if real_size > 0:
        ratio = synthetic_size / real_size
    else:
        ratio = 1.0 if synthetic_size == 0 else float("inf")
    score = _classifier_score(
        _min_max(real_steps, real_steps),
        _min_max(synthetic_steps, real_steps),
        iterations,
        batch_size,
        seed,
        backend,
        repeats,
    )
    return TemporalScore(discriminative=score, step_ratio=ratio)

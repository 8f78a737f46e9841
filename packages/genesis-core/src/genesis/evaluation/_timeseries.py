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

The networks run on torch or jax, whichever serves TimeGAN (chosen once, in
:func:`sequence_models`); none of this module imports either until a score is
asked for.
"""

from __future__ import annotations

import contextlib
import functools
import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, Literal, NamedTuple, Protocol

import numpy as np

from genesis._registry import install_line, resolve_backend
from genesis.errors import (
    BackendNotAvailableError,
    InvalidConfigError,
    InvalidDataError,
)

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

    def classifier_accuracy(
        self,
        train: tuple[np.ndarray, np.ndarray],
        test: tuple[np.ndarray, np.ndarray],
        *,
        iterations: int,
        batch_size: int,
        seed: int,
    ) -> float:
        """Train a GRU classifier on (real, synthetic) windows; test accuracy.

        Each iteration takes ``batch_size`` real and ``batch_size`` synthetic
        windows; the classifier reads a window's last hidden state. Accuracy
        is the mean of the accuracies on the real and on the synthetic test
        windows, so that unequal counts do not reward calling every window
        the more common kind.
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

    def classifier_accuracy(
        self,
        train: tuple[np.ndarray, np.ndarray],
        test: tuple[np.ndarray, np.ndarray],
        *,
        iterations: int,
        batch_size: int,
        seed: int,
    ) -> float:
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
                real_right = (logits(torch.as_tensor(test[0])) > 0).sum().item()
                synthetic_right = (logits(torch.as_tensor(test[1])) <= 0).sum().item()
        return (real_right / len(test[0]) + synthetic_right / len(test[1])) / 2

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

    def classifier_accuracy(
        self,
        train: tuple[np.ndarray, np.ndarray],
        test: tuple[np.ndarray, np.ndarray],
        *,
        iterations: int,
        batch_size: int,
        seed: int,
    ) -> float:
        n_features = train[0].shape[-1]
        params = self._network(n_features, max(1, n_features // 2), 1, seed)
        batches = (min(batch_size, len(train[0])), min(batch_size, len(train[1])))
        real_right, synthetic_right = self._loops.classifier(
            params, *train, *test, iterations, self._key(seed), batches
        )
        return (
            float(real_right) / len(test[0]) + float(synthetic_right) / len(test[1])
        ) / 2

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
    """Compiled post-hoc training runs on jax, returning test results.

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
        return (
            (logits(params, real_test) > 0).sum(),
            (logits(params, synthetic_test) <= 0).sum(),
        )

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


def _check_windows(name: str, windows: Any) -> np.ndarray:
    if not isinstance(windows, np.ndarray) or windows.ndim != 3:
        shape = getattr(windows, "shape", None)
        raise InvalidDataError(
            f"{name} must be a 3-D array (sequences, time steps, features); got "
            f"{type(windows).__name__}" + (f" of shape {shape}." if shape else ".")
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


def _scaled_pair(
    real: Any, synthetic: Any, scale: bool = True
) -> tuple[np.ndarray, np.ndarray]:
    """Both checked, and min-max scaled per feature with the real data's range.

    With ``scale=False`` they are only checked and made float32.
    """
    if not isinstance(scale, bool):
        raise InvalidConfigError(f"scale must be True or False, got {scale!r}.")
    real = _check_windows("real", real)
    synthetic = _check_windows("synthetic", synthetic)
    if real.shape[1:] != synthetic.shape[1:]:
        raise InvalidDataError(
            f"real windows have shape {real.shape[1:]} (time steps, features) and "
            f"synthetic ones {synthetic.shape[1:]}; generate windows of the real "
            "data's length and features."
        )
    if not scale:
        return real.astype(np.float32), synthetic.astype(np.float32)
    return _min_max(real, real), _min_max(synthetic, real)


def _min_max(values: np.ndarray, reference: np.ndarray) -> np.ndarray:
    low = reference.min(axis=(0, 1))
    span = reference.max(axis=(0, 1)) - low
    return ((values - low) / np.where(span > 0, span, 1.0)).astype(np.float32)


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
    scores = []
    for run_seed in seeds:
        rng = np.random.default_rng(run_seed)
        real_train, real_test = _split(real, rng)
        synthetic_train, synthetic_test = _split(synthetic, rng)
        accuracy = models.classifier_accuracy(
            (real_train, synthetic_train),
            (real_test, synthetic_test),
            iterations=iterations,
            batch_size=batch_size,
            seed=run_seed,
        )
        scores.append(abs(accuracy - 0.5))
    return float(np.mean(scores))


# -- the scores --------------------------------------------------------------


def discriminative_score(
    real: np.ndarray,
    synthetic: np.ndarray,
    *,
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
    ``scale=False``.

    Args:
        real: Real windows ``(sequences, time steps, features)``.
        synthetic: Synthetic windows of the same time steps and features.
        iterations: Training batches of the post-hoc classifier.
        batch_size: Real (and synthetic) windows per batch.
        seed: Fixes the split, the initial weights and the batches.
        backend: ``"torch"``, ``"jax"`` or None (see :func:`sequence_models`).
        scale: Min-max scale both sets with the real range first (True), or
            score the windows as given (False).
        repeats: Runs to average, with seeds ``seed``, ``seed + 1``, ...;
            each draws its own split.

    Raises:
        InvalidDataError: The windows are not 3-D, finite and alike in shape.
        InvalidConfigError: ``scale`` is not a bool, or a count is not a
            positive integer.
        BackendNotAvailableError: No backend can run the classifier.
    """
    real, synthetic = _scaled_pair(real, synthetic, scale)
    return _classifier_score(
        real, synthetic, iterations, batch_size, seed, backend, repeats
    )


def predictive_score(
    real: np.ndarray,
    synthetic: np.ndarray,
    *,
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
    is the best to expect.

    Args:
        real: Real windows ``(sequences, time steps, features)``.
        synthetic: Synthetic windows of the same time steps and features.
        target: ``"last"`` or ``"all"``, as above.
        iterations: Training batches of the post-hoc predictor.
        batch_size: Synthetic windows per batch.
        seed: Fixes the initial weights and the batches.
        backend: ``"torch"``, ``"jax"`` or None (see :func:`sequence_models`).
        scale: Min-max scale both sets with the real range first (True), or
            score the windows as given (False; see
            :func:`discriminative_score`). The predictor's output is a
            sigmoid, so unscaled targets must lie in [0, 1].
        repeats: Runs to average, with seeds ``seed``, ``seed + 1``, ...
            (the paper averaged 10).

    Raises:
        InvalidDataError: The windows are not 3-D, finite and alike in shape,
            ``target="last"`` with a single feature, or ``scale=False`` with
            real targets outside [0, 1].
        InvalidConfigError: ``target`` is neither ``"last"`` nor ``"all"``,
            or ``scale`` is not a bool.
        BackendNotAvailableError: No backend can run the predictor.
    """
    if target not in ("last", "all"):
        raise InvalidConfigError(f"target must be 'last' or 'all', got {target!r}.")
    real, synthetic = _scaled_pair(real, synthetic, scale)
    if target == "last" and real.shape[-1] < 2:
        raise InvalidDataError(
            "target='last' predicts the last feature from the others, but the data "
            "has one feature; use target='all'."
        )
    inputs = slice(None, -1) if target == "last" else slice(None)
    outputs = slice(-1, None) if target == "last" else slice(None)
    targets = real[:, :, outputs]
    if not scale and (targets.min() < 0 or targets.max() > 1):
        raise InvalidDataError(
            f"With scale=False the real targets must lie in [0, 1], the range of "
            f"the predictor's sigmoid; they span [{targets.min():.4g}, "
            f"{targets.max():.4g}]. Scale them, or leave scale=True."
        )

    def task(windows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return windows[:, :-1, inputs], windows[:, 1:, outputs]

    train, test = task(synthetic), task(real)
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
    return float(np.mean(errors))


def temporal_score(
    real: np.ndarray,
    synthetic: np.ndarray,
    *,
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
    consecutive steps (min-max scaled with the real differences' range),
    and adds the ratio of mean absolute step sizes, synthetic over real.

    Args:
        real: Real windows ``(sequences, time steps, features)``.
        synthetic: Synthetic windows of the same time steps and features.
        iterations: Training batches of the post-hoc classifier.
        batch_size: Real (and synthetic) windows per batch.
        seed: Fixes the split, the initial weights and the batches.
        backend: ``"torch"``, ``"jax"`` or None (see :func:`sequence_models`).
        repeats: Classifier runs to average, with seeds ``seed``,
            ``seed + 1``, ...

    Raises:
        InvalidDataError: The windows are not 3-D, finite and alike in shape.
        BackendNotAvailableError: No backend can run the classifier.
    """
    real, synthetic = _scaled_pair(real, synthetic)
    real_steps = np.diff(real, axis=1)
    synthetic_steps = np.diff(synthetic, axis=1)
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

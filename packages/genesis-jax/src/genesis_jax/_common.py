"""Helpers shared by the JAX generators: devices, keys, layers, spans, weights.

Randomness never comes from global state: a fit makes one
``numpy.random.Generator`` from its seed, draws the initial weights from it
(numpy, so that nothing is compiled for them) and one JAX key that is split
for everything drawn in compiled code, so a fit is reproducible from its
seed.

Saved weights use the backend-neutral names and layouts of
:mod:`genesis_torch._common`, so that a model trained on either backend
loads on the other:

* ``<network>.<path>.weight`` and ``.bias`` for a dense layer; ``weight`` has
  shape ``(out_features, in_features)``, the transpose of the ``kernel`` a
  :class:`Dense` layer holds. A :class:`ConditionedDense` is saved as the
  dense layer it computes: its conditional inputs are the last columns of
  ``weight``.
* ``<network>.<path>.scale``, ``.bias``, ``.mean`` and ``.var`` for a
  :class:`BatchNorm` layer.
* ``<network>.<name>`` for a free parameter, such as ``decoder.sigma``.

``<path>`` is the attribute path inside the network, list positions
included: ``layers.0``, ``layers.0.linear``, ``output``...

Dense layers multiply in float32, or, in a graph made by
:func:`precision_graph` (for training or generation), with bfloat16 inputs
and float32 sums (:func:`product`); weights, gradients and optimizer state
stay float32.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
from flax import nnx

from genesis.data import ColumnSpan, SpanKind
from genesis.errors import InvalidConfigError, ModelFileError

__all__ = [
    "BATCH_NORM_EPS",
    "BATCH_NORM_MOMENTUM",
    "GUMBEL_TAU",
    "BatchNorm",
    "ConditionedDense",
    "Dense",
    "HostDraws",
    "SpanLayout",
    "host_draws",
    "key_from_rng",
    "load_module_arrays",
    "module_arrays",
    "parameter_count",
    "precision_graph",
    "product",
    "resolve_device",
]

logger = logging.getLogger(__name__)

# Temperature of the Gumbel-softmax on one-hot spans during training, as in
# the CTGAN paper and the torch backend.
GUMBEL_TAU = 0.2
# torch.nn.BatchNorm1d's defaults, so that running statistics saved by one
# backend mean the same on the other.
BATCH_NORM_EPS = 1e-5
BATCH_NORM_MOMENTUM = 0.1

_ONE_HOT_KINDS = (SpanKind.MODE_ONE_HOT, SpanKind.CATEGORY_ONE_HOT)


# -- devices and randomness ---------------------------------------------------


def resolve_device(device: str | None) -> jax.Device:
    """Turn ``"cpu"``, ``"cuda"``, ``"cuda:1"``, ``"gpu"`` or ``"auto"``/None
    into a JAX device.

    Raises:
        InvalidConfigError: A GPU was asked for and JAX sees none, or the
            name is not a device.
    """
    if device is None or device == "auto":
        gpus = _gpus()
        return gpus[0] if gpus else jax.devices("cpu")[0]
    if not isinstance(device, str):
        raise InvalidConfigError(
            f"device={device!r} is not a device name; use 'cpu', 'cuda' or 'auto'."
        )
    kind, _, number = device.partition(":")
    if kind not in ("cpu", "cuda", "gpu") or (number and not number.isdigit()):
        raise InvalidConfigError(
            f"device={device!r} is not supported; use 'cpu', 'cuda' or 'auto'."
        )
    if kind == "cpu":
        return jax.devices("cpu")[0]
    gpus = _gpus()
    index = int(number or 0)
    if gpus and index >= len(gpus):
        raise InvalidConfigError(
            f"device={device!r} was asked for, but JAX sees {len(gpus)} GPU(s), "
            f"numbered from 0; use a device from 'cuda:0' to "
            f"'cuda:{len(gpus) - 1}', or device='auto' to take the first."
        )
    if not gpus:
        raise InvalidConfigError(
            f"device={device!r} was asked for, but JAX sees {len(gpus)} GPU(s); "
            "install a CUDA build of jax (pip install 'jax[cuda12]'), or use "
            "device='cpu', or device='auto' to take a GPU when there is one."
        )
    return gpus[index]


def _gpus() -> list[jax.Device]:
    try:
        return jax.devices("gpu")
    except RuntimeError:
        return []


def key_from_rng(rng: np.random.Generator) -> jax.Array:
    """A JAX PRNG key seeded from a draw of ``rng``.

    The draw has 32 bits: with ``jax_enable_x64`` off, JAX keeps only the
    low 32 bits of a seed, so a wider draw would give another key, and other
    rows, once a user turns 64-bit types on.
    """
    return jax.random.key(int(rng.integers(0, 2**32)))


# -- layers -------------------------------------------------------------------


def _uniform(rng: np.random.Generator, shape: Sequence[int], fan_in: int) -> jax.Array:
    """torch's default initial values: uniform in ``±1/sqrt(fan_in)``.

    Drawn with numpy: initial values need no compiled code, and a fit that
    compiled nothing for them starts sooner.
    """
    bound = 1.0 / max(fan_in, 1) ** 0.5
    return jnp.asarray(rng.uniform(-bound, bound, tuple(shape)).astype(np.float32))


class Dense(nnx.Module):
    """``x @ kernel + bias``, initialised as torch initialises ``nn.Linear``.

    ``bfloat16`` (False) makes the product round its inputs to bfloat16;
    :func:`precision_graph` sets it in the graphs of training steps and of
    generation.

    Args:
        in_features: Inputs.
        out_features: Outputs.
        rng: Source of the initial values.
    """

    def __init__(
        self, in_features: int, out_features: int, *, rng: np.random.Generator
    ) -> None:
        self.in_features = in_features
        self.out_features = out_features
        self.bfloat16 = False
        self.kernel = nnx.Param(_uniform(rng, (in_features, out_features), in_features))
        self.bias = nnx.Param(_uniform(rng, (out_features,), in_features))

    def __call__(self, inputs: jax.Array) -> jax.Array:
        return product(inputs, self.kernel[...], self.bfloat16) + self.bias[...]

    def neutral_weight(self) -> jax.Array:
        return self.kernel[...].T

    def load_neutral_weight(self, weight: np.ndarray) -> None:
        self.kernel.set_value(jnp.asarray(weight.T, jnp.float32))


class ConditionedDense(nnx.Module):
    """A dense layer whose last inputs are one-hot conditional vectors.

    The conditional part of the input is given as the positions of its
    ones, so callers need not build the one-hot vectors. The layer is saved
    as one dense ``weight`` of shape ``(out_features, dense_features +
    cond_features)``, like torch's ``ConditionedLinear``. ``bfloat16`` is
    :class:`Dense`'s, for the dense part of the input.

    Args:
        dense_features: Inputs given as a dense matrix.
        cond_features: Inputs that are one-hot (possibly several one-hot
            vectors side by side).
        out_features: Outputs.
        rng: Source of the initial values.
    """

    def __init__(
        self,
        dense_features: int,
        cond_features: int,
        out_features: int,
        *,
        rng: np.random.Generator,
    ) -> None:
        self.dense_features = dense_features
        self.cond_features = cond_features
        self.out_features = out_features
        self.bfloat16 = False
        fan_in = dense_features + cond_features
        full = _uniform(rng, (fan_in, out_features), fan_in)
        self.dense_kernel = nnx.Param(full[:dense_features])
        self.cond_kernel = nnx.Param(full[dense_features:])
        self.bias = nnx.Param(_uniform(rng, (out_features,), fan_in))

    def __call__(self, dense: jax.Array, slots: jax.Array | None = None) -> jax.Array:
        """``dense`` with a one-hot vector at ``slots`` appended, times the kernel."""
        out = product(dense, self.dense_kernel[...], self.bfloat16) + self.bias[...]
        if slots is None:
            return out
        return out + self.condition(slots[:, None])

    def condition(self, positions: jax.Array) -> jax.Array:
        """``(n, out_features)`` sum of the kernel rows at ``(n, k)`` positions."""
        return _summed_rows(self.cond_kernel[...], positions)

    def neutral_weight(self) -> jax.Array:
        return jnp.concatenate([self.dense_kernel[...], self.cond_kernel[...]]).T

    def load_neutral_weight(self, weight: np.ndarray) -> None:
        kernel = jnp.asarray(weight.T, jnp.float32)
        self.dense_kernel.set_value(kernel[: self.dense_features])
        self.cond_kernel.set_value(kernel[self.dense_features :])


def product(inputs: jax.Array, kernel: jax.Array, bfloat16: bool) -> jax.Array:
    """``inputs @ kernel``; with ``bfloat16``, inputs rounded to bfloat16.

    The bfloat16 product sums in float32 and returns float32, and so do its
    gradients (see :func:`_bfloat16_product`). On CPUs with AMX units, and
    on GPUs, it runs in a fraction of the time of the float32 product.
    """
    if bfloat16:
        return _bfloat16_product(inputs, kernel)
    return inputs @ kernel


@jax.custom_vjp
def _bfloat16_product(inputs: jax.Array, kernel: jax.Array) -> jax.Array:
    """``inputs @ kernel`` from bfloat16 inputs, with float32 gradients.

    JAX's own gradient would round both gradients to bfloat16 and, on CPU,
    compute them with float32 products. Here the kernel gradient is a
    bfloat16 product summed in float32 and the input gradient is the
    float32 one: on AMX (Sapphire Rapids, one thread, Adult) a bfloat16
    input gradient made the epochs of CTGAN and TVAE 5-7 % slower.
    """
    return _rounded_product(inputs, kernel)


def _rounded_product(inputs: jax.Array, kernel: jax.Array) -> jax.Array:
    return jnp.dot(
        inputs.astype(jnp.bfloat16),
        kernel.astype(jnp.bfloat16),
        preferred_element_type=jnp.float32,
    )


def _bfloat16_product_forward(
    inputs: jax.Array, kernel: jax.Array
) -> tuple[jax.Array, tuple[jax.Array, jax.Array]]:
    return _rounded_product(inputs, kernel), (inputs, kernel)


def _bfloat16_product_backward(
    saved: tuple[jax.Array, jax.Array], grad: jax.Array
) -> tuple[jax.Array, jax.Array]:
    inputs, kernel = saved
    return grad @ kernel.T, _rounded_product(_transposed(inputs), grad)


def _transposed(matrix: jax.Array) -> jax.Array:
    """``matrix.T``, as an array of its own.

    XLA on CPU folds a plain transpose into the product that reads it, and
    runs a bfloat16 product that sums over its first axes in float32: the
    kernel gradient took 2.5 times as long. Swapping the outer axes of a
    three-axis view is not folded, so the product gets the layout the
    matrix units take.
    """
    rows, columns = matrix.shape
    return jnp.swapaxes(matrix.reshape(rows, columns, 1), 0, 2).reshape(columns, rows)


_bfloat16_product.defvjp(_bfloat16_product_forward, _bfloat16_product_backward)


def precision_graph(module: nnx.Module, bfloat16: bool) -> nnx.GraphDef:
    """The graph of ``module`` with its products in bfloat16 or not.

    For training steps and generation. ``module`` itself is left as it is,
    so what merges its own graph (``decode_noise``) multiplies in float32.
    """
    copy = nnx.clone(module)
    for _, node in nnx.iter_graph(copy):
        if isinstance(node, (Dense, ConditionedDense)):
            node.bfloat16 = bfloat16
    return nnx.graphdef(copy)


@jax.custom_vjp
def _summed_rows(kernel: jax.Array, positions: jax.Array) -> jax.Array:
    """``kernel[positions].sum(axis=1)``: the product of one-hot rows and ``kernel``.

    The rows are gathered, which costs a fraction of the product; the
    gradient is the product of the one-hot rows with the incoming gradient,
    where the gradient of a gather would be a scatter, slow on CPU.
    """
    return kernel[positions].sum(axis=1)


def _summed_rows_forward(
    kernel: jax.Array, positions: jax.Array
) -> tuple[jax.Array, tuple[jax.Array, jax.Array]]:
    return _summed_rows(kernel, positions), (kernel, positions)


def _summed_rows_backward(
    saved: tuple[jax.Array, jax.Array], grad: jax.Array
) -> tuple[jax.Array, np.ndarray]:
    kernel, positions = saved
    one_hot = jax.nn.one_hot(positions, kernel.shape[0], dtype=grad.dtype)
    no_gradient = np.zeros(positions.shape, dtype=jax.dtypes.float0)
    return one_hot.sum(axis=1).T @ grad, no_gradient


_summed_rows.defvjp(_summed_rows_forward, _summed_rows_backward)


class BatchNorm(nnx.Module):
    """Batch normalisation with torch's ``BatchNorm1d`` semantics.

    Training normalises with the batch mean and biased variance and moves
    the running mean and unbiased variance by :data:`BATCH_NORM_MOMENTUM`;
    evaluation normalises with the running statistics.
    """

    def __init__(self, features: int) -> None:
        self.scale = nnx.Param(jnp.ones(features, jnp.float32))
        self.bias = nnx.Param(jnp.zeros(features, jnp.float32))
        self.mean = nnx.BatchStat(jnp.zeros(features, jnp.float32))
        self.var = nnx.BatchStat(jnp.ones(features, jnp.float32))

    def __call__(self, inputs: jax.Array, *, training: bool) -> jax.Array:
        if training:
            mean = inputs.mean(axis=0)
            var = jnp.square(inputs - mean).mean(axis=0)
            n = inputs.shape[0]
            unbiased = var * (n / max(n - 1, 1))
            self.mean.set_value(_moved(self.mean[...], mean))
            self.var.set_value(_moved(self.var[...], unbiased))
        else:
            mean, var = self.mean[...], self.var[...]
        scale = self.scale[...] * jax.lax.rsqrt(var + BATCH_NORM_EPS)
        return (inputs - mean) * scale + self.bias[...]


def _moved(running: jax.Array, batch: jax.Array) -> jax.Array:
    """A running statistic moved towards the batch's, without gradient."""
    batch = jax.lax.stop_gradient(batch)
    return (1.0 - BATCH_NORM_MOMENTUM) * running + BATCH_NORM_MOMENTUM * batch


def parameter_count(*modules: nnx.Module) -> int:
    """Number of trainable values in ``modules``."""
    return sum(
        int(leaf.size)
        for module in modules
        for leaf in jax.tree_util.tree_leaves(nnx.state(module, nnx.Param))
    )


# -- spans --------------------------------------------------------------------


class HostDraws(NamedTuple):
    """Random values of one generated batch, drawn by numpy on the host.

    On a CPU, numpy's PCG64 generator (ziggurat normals) draws these faster
    than jax's threefry: 4,096 x 128 normals took 7.8 ms against 17.9 ms on
    one core of a Zen 1 server.

    Attributes:
        normals: ``(batch, n_normals)`` standard normal float32 values.
        uniforms: ``(batch, n_one_hot)`` float32 values in [0, 1), one per
            one-hot span (see :meth:`SpanLayout.sample_activate`).
    """

    normals: np.ndarray
    uniforms: np.ndarray


def host_draws(
    rng: np.random.Generator, batch: int, n_normals: int, layout: SpanLayout
) -> HostDraws:
    """The :class:`HostDraws` of a batch of ``batch`` rows, drawn from ``rng``."""
    return HostDraws(
        normals=rng.standard_normal((batch, n_normals), dtype=np.float32),
        uniforms=rng.random((batch, layout.n_one_hot), dtype=np.float32),
    )


def _inverse_cdf(logits: jax.Array, uniform: jax.Array) -> jax.Array:
    """The slot of each row whose softmax share straddles ``uniform``."""
    weights = jnp.exp(logits - logits.max(axis=1, keepdims=True))
    cumulative = jnp.cumsum(weights, axis=1)
    # Slot j when the first j running sums lie at or below u * total.
    threshold = uniform[:, None] * cumulative[:, -1:]
    return jnp.sum(cumulative[:, :-1] <= threshold, axis=1, dtype=jnp.int32)


@dataclass(frozen=True)
class SpanLayout:
    """Per-span maths on a whole batch, without gathering by index.

    Spans are contiguous and known when a function is traced. A softmax or
    log-sum-exp within every span at once is a product with the spans'
    membership rows (:func:`_span_exp`), so its gradient is a product too;
    nothing differentiated is gathered by index, whose gradient XLA
    computes as a slow scatter on CPU.

    Attributes:
        width: Width of the encoded matrix.
        pieces: ``(start, stop, is_scalar)`` of each span, in matrix order.
        scalar_columns: Positions of the CONTINUOUS_SCALAR columns.
        scalar_mask: ``(width,)`` True on CONTINUOUS_SCALAR columns.
        one_hot_mask: ``(width,)`` 1.0 on columns of one-hot spans.
        scalar_spread: ``(n_scalars, width)`` one-hot rows that place one
            value per scalar column at its position.
        n_one_hot: Number of one-hot spans (modes and categories).
        categories: ``(start, stop)`` of each CATEGORY_ONE_HOT span.
        one_hot_members: ``(n_one_hot, width)`` 1.0 where a column belongs
            to a one-hot span, one row per span in matrix order.
        category_members: The same for the CATEGORY_ONE_HOT spans.
    """

    width: int
    pieces: tuple[tuple[int, int, bool], ...]
    scalar_columns: np.ndarray
    scalar_mask: np.ndarray
    one_hot_mask: np.ndarray
    scalar_spread: np.ndarray
    n_one_hot: int
    categories: tuple[tuple[int, int], ...]
    one_hot_members: np.ndarray
    category_members: np.ndarray

    @classmethod
    def from_spans(cls, spans: Sequence[ColumnSpan]) -> SpanLayout:
        ordered = sorted(spans, key=lambda s: s.start)
        width = max((s.stop for s in spans), default=0)
        scalar = [s.start for s in ordered if s.kind == SpanKind.CONTINUOUS_SCALAR]
        mask = np.zeros(width, dtype=bool)
        mask[scalar] = True
        one_hot_mask = np.zeros(width, dtype=np.float32)
        for span in ordered:
            if span.kind in _ONE_HOT_KINDS:
                one_hot_mask[span.start : span.stop] = 1.0
        spread = np.zeros((len(scalar), width), dtype=np.float32)
        spread[np.arange(len(scalar)), scalar] = 1.0
        one_hot = [(s.start, s.stop) for s in ordered if s.kind in _ONE_HOT_KINDS]
        categories = [
            (s.start, s.stop) for s in ordered if s.kind == SpanKind.CATEGORY_ONE_HOT
        ]
        return cls(
            width=width,
            pieces=tuple(
                (s.start, s.stop, s.kind == SpanKind.CONTINUOUS_SCALAR) for s in ordered
            ),
            scalar_columns=np.asarray(scalar, dtype=np.int32),
            scalar_mask=mask,
            one_hot_mask=one_hot_mask,
            scalar_spread=spread,
            n_one_hot=len(one_hot),
            categories=tuple(categories),
            one_hot_members=_members(one_hot, width),
            category_members=_members(categories, width),
        )

    def gumbel_activate(
        self, raw: jax.Array, key: jax.Array, tau: float = GUMBEL_TAU
    ) -> jax.Array:
        """tanh on scalars, Gumbel-softmax on one-hot spans (differentiable)."""
        if self.n_one_hot == 0:
            return jnp.tanh(raw)
        logits = (raw + jax.random.gumbel(key, raw.shape, raw.dtype)) / tau
        spans = self._one_hot_spans()
        members = self.one_hot_members
        exp, _ = _span_exp(logits, spans, members)
        # 1 on the scalars keeps the division finite where ``exp`` is 0.
        total = (exp @ members.T) @ members + self.scalar_mask
        return jnp.where(self.scalar_mask, jnp.tanh(raw), exp / total)

    def sample_activate(
        self, raw: jax.Array, key: jax.Array, uniforms: jax.Array | None = None
    ) -> tuple[jax.Array, jax.Array]:
        """tanh on scalars, and a slot drawn from each one-hot span's softmax.

        The slot inverts the span's cumulative distribution at one uniform
        per span and row: the same distribution as the arg-max of the logits
        plus Gumbel noise, for a fraction of the random values. The uniforms
        (``(batch, n_one_hot)``, in [0, 1)) are ``uniforms`` when given, as
        numpy draws them on a CPU, else drawn from ``key``.

        Returns:
            The rows with activated scalars (one-hot columns unchanged), and
            ``(batch, n_one_hot)`` int32 slots, spans in matrix order.
        """
        if uniforms is None:
            uniforms = jax.random.uniform(
                key, (raw.shape[0], self.n_one_hot), jnp.float32
            )
        rows = jnp.where(self.scalar_mask, jnp.tanh(raw), raw)
        slots = [
            _inverse_cdf(raw[:, start:stop], uniforms[:, number])
            for number, (start, stop) in enumerate(self._one_hot_spans())
        ]
        if not slots:
            return rows, jnp.zeros((raw.shape[0], 0), dtype=jnp.int32)
        return rows, jnp.stack(slots, axis=1)

    def one_hot_logsumexp(self, raw: jax.Array) -> jax.Array:
        """``(batch, n_one_hot)`` log-sum-exp of the logits of each one-hot span."""
        return _span_logsumexp(raw, self._one_hot_spans(), self.one_hot_members)

    def category_logsumexp(self, raw: jax.Array) -> jax.Array:
        """``(batch, n_category)`` log-sum-exp of each CATEGORY_ONE_HOT span."""
        return _span_logsumexp(raw, self.categories, self.category_members)

    def _one_hot_spans(self) -> list[tuple[int, int]]:
        return [(start, stop) for start, stop, scalar in self.pieces if not scalar]


def _members(spans: Sequence[tuple[int, int]], width: int) -> np.ndarray:
    """``(len(spans), width)`` rows that are 1.0 on each span's columns."""
    members = np.zeros((len(spans), width), dtype=np.float32)
    for row, (start, stop) in enumerate(spans):
        members[row, start:stop] = 1.0
    return members


def _span_exp(
    logits: jax.Array, spans: Sequence[tuple[int, int]], members: np.ndarray
) -> tuple[jax.Array, jax.Array]:
    """``exp`` of each span's logits less the span's largest; 0 off the spans.

    Every span is then summed, spread back or weighted by one product with
    ``members``, instead of a slice, a reduction and a concatenation per
    span (and their gradients). The largest logit only keeps ``exp`` in
    range: any constant per span gives the same softmax and log-sum-exp,
    so it takes no gradient.

    Returns:
        The exponentials, shaped like ``logits``, and the ``(batch,
        len(spans))`` largest logit of each span.
    """
    fixed = jax.lax.stop_gradient(logits)
    peaks = jnp.stack([fixed[:, start:stop].max(axis=1) for start, stop in spans], 1)
    inside = members.any(axis=0)
    shifted = jnp.where(inside, logits - peaks @ members, -jnp.inf)
    return jnp.exp(shifted), peaks


def _span_logsumexp(
    logits: jax.Array, spans: Sequence[tuple[int, int]], members: np.ndarray
) -> jax.Array:
    """``(batch, len(spans))`` log-sum-exp of each span's logits."""
    exp, peaks = _span_exp(logits, spans, members)
    return jnp.log(exp @ members.T) + peaks


# -- weights <-> backend-neutral arrays -----------------------------------------

_LAYERS = (Dense, ConditionedDense, BatchNorm)


def _neutral_entries(module: nnx.Module) -> dict[str, tuple[Any, str]]:
    """Each saved array's neutral name, with its layer and what it is there."""
    nodes = list(nnx.iter_graph(module))
    layer_paths = {path for path, node in nodes if isinstance(node, _LAYERS)}
    entries: dict[str, tuple[Any, str]] = {}
    for path, node in nodes:
        name = ".".join(str(part) for part in path)
        prefix = f"{name}." if name else ""
        if isinstance(node, (Dense, ConditionedDense)):
            entries[prefix + "weight"] = (node, "weight")
            entries[prefix + "bias"] = (node.bias, "value")
        elif isinstance(node, BatchNorm):
            for field in ("scale", "bias", "mean", "var"):
                entries[prefix + field] = (getattr(node, field), "value")
        elif isinstance(node, nnx.Variable) and path[:-1] not in layer_paths:
            entries[name] = (node, "value")
    return entries


def module_arrays(module: nnx.Module, prefix: str) -> dict[str, np.ndarray]:
    """The weights of ``module`` as float32 numpy arrays under neutral names."""
    arrays = {}
    for name, (owner, kind) in _neutral_entries(module).items():
        value = owner.neutral_weight() if kind == "weight" else owner[...]
        arrays[f"{prefix}.{name}"] = np.array(value, dtype=np.float32)
    return arrays


def load_module_arrays(
    module: nnx.Module, arrays: Mapping[str, np.ndarray], prefix: str
) -> None:
    """Copy arrays saved by :func:`module_arrays` (on either backend) into ``module``.

    Raises:
        ModelFileError: An array is missing or has the wrong shape.
    """
    for name, (owner, kind) in _neutral_entries(module).items():
        key = f"{prefix}.{name}"
        if key not in arrays:
            raise ModelFileError(
                f"The model file has no array {key!r}; it was not written by a "
                "compatible version of this generator."
            )
        value = np.asarray(arrays[key], dtype=np.float32)
        current = owner.neutral_weight() if kind == "weight" else owner[...]
        if tuple(value.shape) != tuple(current.shape):
            raise ModelFileError(
                f"Array {key!r} in the model file has shape {value.shape}, the "
                f"network expects {tuple(current.shape)}; the file does not match "
                "its own config."
            )
        if kind == "weight":
            owner.load_neutral_weight(value)
        else:
            owner.set_value(jnp.asarray(value))

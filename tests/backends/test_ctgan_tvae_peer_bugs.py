"""Shapes of bug reports filed against the ctgan package and SDV's CTGAN and TVAE.

Each test names the report it comes from and feeds our front door
(``SyntheticGenerator``, torch backend, CPU) the smallest input shaped like
it; the assertion is the behaviour we owe the user instead. The jax backend
shares the data plane and the checks in front of it, and compiles per
shape, so it is left to the parity tests.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("genesis_torch")

from genesis import SyntheticGenerator  # noqa: E402
from genesis.errors import (  # noqa: E402
    InvalidConfigError,
    InvalidDataError,
    NotFittedError,
    TrainingDivergedError,
)
from genesis.protocols import ProgressEvent  # noqa: E402
from genesis_torch import _fitting  # noqa: E402
from genesis_torch._common import resolve_device  # noqa: E402

# Networks small enough that a fit of a few epochs takes a fraction of a second.
TINY: dict[str, dict[str, Any]] = {
    "ctgan": {
        "epochs": 1,
        "batch_size": 20,
        "generator_dim": (16,),
        "discriminator_dim": (16,),
        "embedding_dim": 8,
    },
    "tvae": {
        "epochs": 1,
        "batch_size": 20,
        "compress_dims": (16,),
        "decompress_dims": (16,),
        "embedding_dim": 8,
    },
}
METHODS = pytest.mark.parametrize("method", ["ctgan", "tvae"])
NO_CUDA = pytest.mark.skipif(
    torch.cuda.is_available(), reason="needs a machine where torch sees no GPU"
)


@pytest.fixture(autouse=True)
def one_cpu_thread() -> Iterator[None]:
    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(previous)


def _table(n: int = 40, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {"amount": rng.normal(size=n), "kind": rng.choice(["a", "b"], n)}
    )


def _generator(method: str, seed: int | None = 0, **config: Any) -> SyntheticGenerator:
    return SyntheticGenerator(
        method,
        config={**TINY[method], **config},
        backend="torch",
        seed=seed,
        device="cpu",
    )


def _fit(
    method: str,
    data: pd.DataFrame,
    discrete: tuple[str, ...] = (),
    seed: int | None = 0,
    **config: Any,
) -> SyntheticGenerator:
    return _generator(method, seed, **config).fit(data, discrete, progress=False)


def _raw_rows(generator: SyntheticGenerator, n: int) -> np.ndarray:
    """The generator network's (or decoder's) output for fixed noise."""
    impl = generator._fitted()
    noise = np.random.default_rng(1).normal(size=(n, impl.config["embedding_dim"]))
    if generator.method_ == "ctgan" and impl.conditions_.width:
        return impl.decode_noise(noise, np.zeros(n, dtype=np.int64))
    return impl.decode_noise(noise)


def test_batch_size_that_pac_does_not_divide_is_refused_before_training() -> None:
    """CTGAN issue 60, SDV issues 211, 1231 and 1269: a batch_size that is
    not a multiple of pac failed with a bare AssertionError inside fit."""
    events: list[ProgressEvent] = []
    with pytest.raises(InvalidConfigError) as caught:
        _generator("ctgan", batch_size=16).fit(_table(), progress=events.append)
    assert events == []
    message = str(caught.value)
    assert "batch_size=16" in message
    assert "pac=10" in message
    # SDV issue 1269 also asks for an even batch_size; TVAE has no packs, so
    # an odd one is used as given on a table of eight batches or more.
    tvae = _fit("tvae", _table(120), batch_size=15)
    assert tvae._fitted().batch_size_ == 15


def test_tvae_on_a_table_shorter_than_its_batch_still_learns() -> None:
    """CTGAN issue 135: TVAE dropped the last incomplete batch, so a table
    shorter than batch_size made no update at all and kept its start weights."""
    data = _table(20)
    one_epoch = _fit("tvae", data, batch_size=500)
    two_epochs = _fit("tvae", data, batch_size=500, epochs=2)

    # An eighth of 20 rows: each epoch makes ten updates.
    assert two_epochs._fitted().batch_size_ == 2
    assert [row["epoch"] for row in two_epochs.loss_history_] == [1, 2]
    # Both fits start from the same weights (same seed); only updates in the
    # second epoch can set them apart.
    assert not np.allclose(_raw_rows(one_epoch, 4), _raw_rows(two_epochs, 4))


@METHODS
def test_a_column_missing_in_every_row_comes_back_missing(method: str) -> None:
    """SDV issue 574: TVAE's fit crashed on a table with an all-null column."""
    data = _table().assign(empty=np.nan, blank=pd.Series([None] * 40, dtype=object))
    with pytest.warns(UserWarning, match="missing in every row"):
        synthetic = _fit(method, data).generate(60)

    assert synthetic["empty"].isna().all()
    assert synthetic["blank"].isna().all()
    assert synthetic["empty"].dtype == np.float64
    assert synthetic["blank"].dtype == object
    assert synthetic["amount"].notna().all()


@METHODS
def test_missing_values_in_a_continuous_column_are_generated(method: str) -> None:
    """CTGAN issues 329, 413 and 414: a continuous column with missing values
    fitted, then sampling failed with a shape mismatch."""
    data = _table(60)
    data.loc[::3, "amount"] = np.nan
    synthetic = _fit(method, data, epochs=3).generate(1000)

    present = synthetic["amount"].dropna()
    assert np.isfinite(present).all()
    # A third of the rows are missing; three epochs on 60 rows learn the
    # share only roughly, but neither no nor all missing values.
    assert 0.05 < synthetic["amount"].isna().mean() < 0.95


@METHODS
def test_constant_columns_keep_their_value_and_sign(method: str) -> None:
    """SDV issue 284 (CTGAN on numbers alone): a column of one value made
    the mixture fit fail; negative zero is a value too."""
    data = _table().assign(rate=3.25, offset=-0.0)
    synthetic = _fit(method, data).generate(50)

    assert (synthetic["rate"] == 3.25).all()
    assert np.signbit(synthetic["offset"]).all()
    assert (synthetic["offset"] == 0.0).all()


@METHODS
def test_int64_columns_at_both_limits_come_back_in_range(method: str) -> None:
    """SDV issue 1468: generated integers ended in IntCastingNaNError; the
    int64 limits do not survive a round trip through float64 unguarded."""
    limits = np.array([-(2**63), 2**63 - 1, 0, 5, -7], dtype=np.int64)
    data = _table().assign(code=np.resize(limits, 40))
    synthetic = _fit(method, data).generate(300)["code"]

    assert synthetic.dtype == np.int64
    assert synthetic.notna().all()
    # -2**63 is also what an overflowing float-to-int cast gives, so the
    # check that matters is that no value wrapped past the top limit.
    assert synthetic.max() <= 2**63 - 1
    assert (synthetic > 2**62).any()


@METHODS
def test_huge_integer_categories_come_back_exact(method: str) -> None:
    """CTGAN issue 24: discrete columns of integers failed to fit. Past 2**53
    a float64 can no longer tell neighbouring integers apart, so categories
    must never pass through one."""
    codes = np.array([-(2**63), 2**63 - 1, 2**53 + 1], dtype=np.int64)
    large = np.array([2**64 - 1, 2**63 + 1, 0], dtype=np.uint64)
    data = _table().assign(code=np.resize(codes, 40), large=np.resize(large, 40))
    generator = _fit(method, data, ("code", "large"))
    synthetic = generator.generate(100)

    assert synthetic["code"].dtype == np.int64
    assert synthetic["large"].dtype == np.uint64
    assert set(synthetic["code"]) <= set(codes.tolist())
    assert set(synthetic["large"]) <= set(large.tolist())
    # 2**53 + 1 and 2**53 are the same float64.
    asked = generator.generate(5, conditions={"code": 2**53 + 1})
    assert asked["code"].tolist() == [2**53 + 1] * 5


def test_numbers_too_large_to_model_are_refused_naming_the_column() -> None:
    """CTGAN issue 1: on some tables CTGAN generated nothing but NaN; values
    whose squares overflow float64 are refused before any training."""
    data = _table().assign(distance=np.resize([1e308, -1e308, 3.0], 40))
    with pytest.raises(InvalidDataError, match="'distance'"):
        _fit("ctgan", data)


def test_each_step_updates_the_discriminator_discriminator_steps_times() -> None:
    """CTGAN issue 101 and pull request 103: WGAN updates the discriminator
    network several times per generator-network update."""
    generator = _fit("ctgan", _table(80), discriminator_steps=3, epochs=2)
    model = generator._fitted()._model

    generator_updates = model.generator_optimizer.steps
    assert generator_updates > 0
    assert model.discriminator_optimizer.steps == 3 * generator_updates
    assert len(generator.loss_history_) == 2


def test_zero_epochs_is_refused_before_anything_is_learned() -> None:
    """CTGAN issue 131: epoch bookkeeping went wrong across fits; zero
    epochs would leave an untrained generator that looks fitted."""
    with pytest.raises(InvalidConfigError, match="'epochs'"):
        _generator("tvae", epochs=0)


def test_a_fit_whose_losses_turn_nan_leaves_nothing_to_generate_from() -> None:
    """CTGAN issue 1: a fit went on after its losses became NaN, and every
    generated value was NaN."""
    generator = _generator("ctgan", generator_lr=1e30, discriminator_lr=1e30, epochs=3)
    with pytest.raises(TrainingDivergedError, match="epoch 1 of 3"):
        generator.fit(_table(), progress=False)
    with pytest.raises(NotFittedError):
        generator.generate(5)


@METHODS
def test_a_second_fit_starts_from_scratch(method: str) -> None:
    """CTGAN issue 131: a second fit trained new networks but kept counting
    the epochs of the first."""
    generator = _generator(method, epochs=2)
    generator.fit(_table(seed=1), progress=False)
    generator.fit(_table(), ["kind"], progress=False)
    fresh = _fit(method, _table(), ("kind",), epochs=2)

    assert [row["epoch"] for row in generator.loss_history_] == [1, 2]
    assert generator.loss_history_ == fresh.loss_history_
    pd.testing.assert_frame_equal(generator.generate(30), fresh.generate(30))


@METHODS
def test_a_seed_repeats_the_fit_and_the_rows(method: str) -> None:
    """CTGAN issues 63, 213 and 380, SDV issue 1991: two fits with the same
    random state gave different losses and rows."""
    first = _fit(method, _table(), ("kind",), seed=11, epochs=2)
    second = _fit(method, _table(), ("kind",), seed=11, epochs=2)
    other = _fit(method, _table(), ("kind",), seed=12, epochs=2)

    assert first.loss_history_ == second.loss_history_
    pd.testing.assert_frame_equal(first.generate(40), second.generate(40))
    assert not first.generate(40, seed=3).equals(other.generate(40, seed=3))


@METHODS
def test_a_row_does_not_depend_on_the_rows_generated_with_it(
    method: str, tmp_path: Path
) -> None:
    """CTGAN issue 235 and pull request 236: sampling ran the generator
    network in training mode, so batch normalisation used each batch's own
    statistics. Also after a save and a load."""
    generator = _fit(method, _table(), ("kind",))
    path = tmp_path / "model.genesis"
    generator.save(path)
    loaded = SyntheticGenerator.load(path)

    batch = _raw_rows(generator, 64)
    # Matrix products of 1 and 64 rows may sum in another order (last bits);
    # batch statistics of a single row would move it by far more than 1e-5.
    np.testing.assert_allclose(_raw_rows(generator, 1), batch[:1], rtol=1e-5)
    np.testing.assert_array_equal(_raw_rows(loaded, 64), batch)


@NO_CUDA
@pytest.mark.parametrize("device", ["cuda", "cuda:0", "gpu", "gpu:1"])
def test_a_gpu_asked_for_on_a_machine_without_one_is_named(device: str) -> None:
    """CTGAN issue 288 (a fit with CUDA off failed under torch 2.0) and SDV
    issue 628: a GPU asked for and not there says so, whatever the spelling;
    "gpu" is the jax backend's name for the same device."""
    with pytest.raises(InvalidConfigError, match="sees no CUDA device") as caught:
        SyntheticGenerator(
            "ctgan", config=TINY["ctgan"], backend="torch", device=device
        ).fit(_table(), progress=False)
    assert repr(device) in str(caught.value)


def test_a_gpu_number_past_the_last_gpu_is_refused(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """SDV issue 333 (a model bound to a GPU the machine lacks): torch takes
    "cuda:1" on a one-GPU machine and fails at the first tensor with an
    invalid device ordinal; we refuse it by name, before any work."""
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 1)

    assert resolve_device("gpu:0") == torch.device("cuda:0")
    with pytest.raises(InvalidConfigError, match="sees 1 CUDA device") as caught:
        resolve_device("cuda:1")
    assert "'cuda:0'" in str(caught.value)


@NO_CUDA
def test_a_saved_model_loads_on_the_device_this_machine_has(tmp_path: Path) -> None:
    """SDV issue 333: a model saved on a GPU machine could not be loaded on
    one without. The file names no device: a load takes this machine's."""
    generator = _fit("ctgan", _table(), ("kind",))
    path = tmp_path / "model.genesis"
    generator.save(path)

    loaded = SyntheticGenerator.load(path)
    assert loaded._fitted().device == torch.device("cpu")
    pd.testing.assert_frame_equal(
        loaded.generate(20, seed=5), generator.generate(20, seed=5)
    )
    with pytest.raises(InvalidConfigError, match="sees no CUDA device"):
        SyntheticGenerator.load(path, device="cuda")


@METHODS
def test_each_epoch_reports_its_losses(
    method: str, caplog: pytest.LogCaptureFixture
) -> None:
    """CTGAN issues 15 and 298, SDV issues 896 and 1250: losses were only
    printed (CTGAN) or not shown at all (TVAE), and could not be kept."""
    events: list[ProgressEvent] = []
    with caplog.at_level(logging.DEBUG, logger=f"genesis_torch.{method}"):
        generator = _generator(method, epochs=3).fit(_table(), progress=events.append)

    assert [(e.stage, e.step, e.total) for e in events] == [
        ("fit", 1, 3),
        ("fit", 2, 3),
        ("fit", 3, 3),
    ]
    assert [dict(e.losses) for e in events] == [
        {k: v for k, v in row.items() if k != "epoch"}
        for row in generator.loss_history_
    ]
    epoch_lines = [r for r in caplog.records if r.getMessage().startswith("Epoch ")]
    assert len(epoch_lines) == 3


def test_a_condition_the_model_cannot_meet_names_column_and_value() -> None:
    """CTGAN issue 124: a wrong condition column or value was ignored and
    the rows came back unconditioned."""
    generator = _fit("ctgan", _table(), ("kind",))
    with pytest.raises(InvalidDataError, match="'kind' = 'z'"):
        generator.generate(5, conditions={"kind": "z"})
    with pytest.raises(InvalidDataError, match="'sort'"):
        generator.generate(5, conditions={"sort": "a"})


@METHODS
def test_a_category_seen_once_can_be_asked_for(method: str) -> None:
    """SDV issues 1419 and 1424: conditions on a rare category gave up with
    no rows; CTGAN conditions its generator network on the category, TVAE
    keeps only the rows that meet it."""
    rng = np.random.default_rng(2)
    data = pd.DataFrame(
        {"amount": rng.normal(size=200), "kind": ["rare"] + ["common"] * 199}
    )
    synthetic = _fit(method, data, ("kind",)).generate(10, conditions={"kind": "rare"})
    assert synthetic["kind"].tolist() == ["rare"] * 10
    assert synthetic["amount"].notna().all()


def test_the_busy_cpu_warning_names_the_callers_line() -> None:
    """CTGAN issue 380 and SDV issue 1991 (seeded fits that did not repeat):
    a seeded fit keeps torch's thread count and warns when one thread would
    be much faster. The warning named a line inside Genesis, which a fixed
    stacklevel gets right for one call path only."""

    def step() -> None:
        # Ten times slower on two threads than on one, as on a busy CPU.
        time.sleep(0.02 if torch.get_num_threads() > 1 else 0.002)

    with (
        _fitting.thread_count(2),
        pytest.warns(UserWarning, match="on 2 CPU threads") as caught,
    ):
        _, threads = _fitting.time_trial_steps(step, torch.device("cpu"))

    assert threads == 2
    assert caught[0].filename == __file__

"""genesis.gpu.BatchedGenerator on torch, mixed precision, and Dask with CTGAN."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch

from genesis import InvalidConfigError
from genesis.gpu import BatchedGenerator
from genesis.training import bfloat16_matrix_units
from genesis_torch import CTGANGenerator, TVAEGenerator, _fitting
from tests.torch.conftest import prepare, shop_frame

SMALL_CTGAN = {
    "epochs": 2,
    "generator_dim": (32, 32),
    "discriminator_dim": (32, 32),
    "embedding_dim": 16,
}
SMALL_TVAE = {
    "epochs": 2,
    "compress_dims": (32, 32),
    "decompress_dims": (32, 32),
    "embedding_dim": 16,
}


@pytest.fixture(scope="module")
def batched() -> BatchedGenerator:
    generator = BatchedGenerator(
        method="ctgan", device="cpu", batch_size=100, config=SMALL_CTGAN, seed=4
    )
    return generator.fit(shop_frame(1_000), ["channel"], progress=False)


def test_batch_size_sets_the_training_batch(batched: BatchedGenerator) -> None:
    impl = batched.generator_._impl

    assert batched.generator_.config_["batch_size"] == 100
    assert impl.batch_size_ == 100


def test_cpu_fit_uses_bfloat16_only_where_the_cpu_has_units_for_it(
    batched: BatchedGenerator,
) -> None:
    assert batched.generator_.config_["training_precision"] == "auto"
    assert batched.generator_._impl.mixed_precision_ is bfloat16_matrix_units()


def test_generate_equals_the_batches_of_any_size(batched: BatchedGenerator) -> None:
    whole = batched.generate(20_000, seed=8)
    batches = list(batched.iter_batches(20_000, 3_000, seed=8))

    assert [len(b) for b in batches] == [3_000] * 6 + [2_000]
    pd.testing.assert_frame_equal(pd.concat(batches).reset_index(drop=True), whole)
    assert set(whole["channel"]) == {"web", "store", "phone"}


def test_generate_to_parquet_matches_generate(
    batched: BatchedGenerator, tmp_path: Path
) -> None:
    batched.generate_to(tmp_path / "rows.parquet", 20_000, seed=8)

    pd.testing.assert_frame_equal(
        pd.read_parquet(tmp_path / "rows.parquet"), batched.generate(20_000, seed=8)
    )


def test_saved_and_loaded_generator_gives_the_same_rows(
    batched: BatchedGenerator, tmp_path: Path
) -> None:
    batched.save(tmp_path / "model.genesis")
    loaded = BatchedGenerator.load(tmp_path / "model.genesis", device="cpu")

    pd.testing.assert_frame_equal(
        loaded.generate(500, seed=2), batched.generate(500, seed=2)
    )


def test_config_batch_size_that_disagrees_is_refused() -> None:
    with pytest.raises(InvalidConfigError, match="give it once"):
        BatchedGenerator(device="cpu", batch_size=500, config={"batch_size": 100})


@pytest.mark.parametrize("batch_size", [0, -10, 1.5])
def test_bad_batch_size_names_the_argument(batch_size: object) -> None:
    with pytest.raises(InvalidConfigError, match="batch_size must be a positive"):
        BatchedGenerator(device="cpu", batch_size=batch_size)


def test_cuda_without_a_gpu_says_so() -> None:
    if torch.cuda.is_available():
        pytest.skip("this machine has a GPU")
    generator = BatchedGenerator(device="cuda", batch_size=100, config=SMALL_CTGAN)
    with pytest.raises(InvalidConfigError, match="sees no CUDA device"):
        generator.fit(shop_frame(200), ["channel"], progress=False)


@pytest.mark.parametrize(
    ("implementation", "config"),
    [(CTGANGenerator, SMALL_CTGAN), (TVAEGenerator, SMALL_TVAE)],
)
def test_training_with_bfloat16_products_stays_finite(
    implementation: type, config: dict
) -> None:
    if not _fitting._cpu_rounds_products():
        pytest.skip("torch multiplies float32 in bfloat16 only on CPUs with AMX")
    _, prepared = prepare(shop_frame(600), ["channel"])
    fits = {}
    for precision in ("float32", "bfloat16"):
        settings = {**config, "batch_size": 200, "training_precision": precision}
        fits[precision] = implementation(settings, seed=1, device="cpu")
        fits[precision].fit(prepared)
    full, mixed = fits["float32"], fits["bfloat16"]

    assert (full.mixed_precision_, mixed.mixed_precision_) == (False, True)
    losses = np.array([list(epoch.values()) for epoch in mixed.loss_history_])
    assert np.isfinite(losses).all()
    # Same seed, other arithmetic: the losses must differ, or bfloat16 was off.
    assert mixed.loss_history_ != full.loss_history_
    rows = mixed.generate(500, rng=np.random.default_rng(0))
    assert np.isfinite(rows["amount"]).all()
    # The setting is the fit's own: afterwards float32 products are exact again.
    product = torch.ones(3, 3) / 3 @ torch.ones(3, 3)
    assert product[0, 0].item() == pytest.approx(1.0, abs=1e-7)


def test_mixed_precision_context_on_each_device() -> None:
    cpu = torch.device("cpu")
    with _fitting.mixed_precision(cpu, enabled=False):
        assert not torch.is_autocast_enabled("cpu")
    with _fitting.mixed_precision(cpu, enabled=True):
        # On a CPU the tensors stay float32; only the products' inputs round.
        assert not torch.is_autocast_enabled("cpu")
        product = torch.ones(4, 4) @ torch.ones(4, 4)
        assert torch.backends.mkldnn.matmul.fp32_precision == "bf16"
    assert product.dtype == torch.float32
    assert torch.backends.mkldnn.matmul.fp32_precision != "bf16"
    # On CUDA, TF32 products with float32 results; not autocast, whose
    # bfloat16 layer outputs cost TVAE its fidelity.
    before = torch.backends.cuda.matmul.fp32_precision
    with _fitting.mixed_precision(torch.device("cuda"), enabled=True):
        assert torch.backends.cuda.matmul.fp32_precision == "tf32"
        assert not torch.is_autocast_enabled("cuda")
    assert torch.backends.cuda.matmul.fp32_precision == before


def test_cuda_products_use_the_older_tf32_switch_where_torch_has_no_other() -> None:
    # torch 2.2-2.8 (genesis-torch allows them) have allow_tf32 only.
    class OlderSwitch:
        allow_tf32 = False

    setting = OlderSwitch()
    with _fitting._cuda_tf32_products(setting):
        assert setting.allow_tf32 is True
    assert setting.allow_tf32 is False


def test_bfloat16_asked_of_a_cpu_that_cannot_trains_in_float32_and_says_so(
    caplog: pytest.LogCaptureFixture,
) -> None:
    if _fitting._cpu_rounds_products():
        pytest.skip("this CPU multiplies float32 in bfloat16")
    _, prepared = prepare(shop_frame(300), ["channel"])
    settings = {**SMALL_TVAE, "batch_size": 100, "training_precision": "bfloat16"}
    generator = TVAEGenerator(settings, seed=1, device="cpu")
    with caplog.at_level("WARNING", logger="genesis_torch"):
        generator.fit(prepared)
    assert generator.mixed_precision_ is False
    warnings = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert sum("has no effect on this CPU" in w for w in warnings) == 1


def test_dask_rows_with_ctgan_do_not_depend_on_workers(
    batched: BatchedGenerator,
) -> None:
    pytest.importorskip("dask.dataframe")
    distributed = pytest.importorskip("distributed")
    expected = batched.generate(20_000, seed=8)
    results = []
    for workers in (1, 2):
        with (
            distributed.LocalCluster(
                n_workers=workers,
                threads_per_worker=1,
                processes=False,
                dashboard_address=None,
            ) as cluster,
            distributed.Client(cluster) as client,
        ):
            frame = batched.generate_dask(20_000, 2 * workers + 1, client, seed=8)
            results.append(frame.compute().reset_index(drop=True))

    for rows in results:
        pd.testing.assert_frame_equal(rows, expected)

"""The training_precision and sampling_precision config keys, and the CPU
checks behind their "auto"."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from pathlib import Path

import pytest

from genesis import SyntheticGenerator
from genesis._config import resolve_config
from genesis.errors import InvalidConfigError
from genesis.training import (
    CTGAN_CONFIG_SPEC,
    TVAE_CONFIG_SPEC,
    bfloat16_arithmetic,
    bfloat16_matrix_units,
    samples_in_bfloat16,
    trains_in_bfloat16,
)

AMX_FLAGS = "fpu vme avx2 avx512f avx512_bf16 amx_bf16 amx_tile amx_int8"
# An AMD Zen 4 core: bfloat16 dot products, no matrix units.
ZEN4_FLAGS = "fpu vme avx2 avx512f avx512bw avx512_bf16 avx512_vnni"


def cpuinfo(tmp_path: Path, flags: str) -> str:
    path = tmp_path / "cpuinfo"
    path.write_text(
        f"processor\t: 0\nmodel name\t: a CPU\nflags\t\t: {flags}\n\n"
        f"processor\t: 1\nflags\t\t: {flags}\n",
        encoding="ascii",
    )
    return str(path)


def test_amx_flags_mean_bfloat16_units(tmp_path: Path) -> None:
    assert bfloat16_matrix_units(cpuinfo(tmp_path, AMX_FLAGS)) is True


@pytest.mark.parametrize(
    "flags",
    ["fpu avx2 avx512f avx512_bf16", "fpu amx_tile amx_int8", "", "amx_bf16x"],
)
def test_other_cpus_have_none(tmp_path: Path, flags: str) -> None:
    assert bfloat16_matrix_units(cpuinfo(tmp_path, flags)) is False


def test_unreadable_cpuinfo_means_none(tmp_path: Path) -> None:
    assert bfloat16_matrix_units(str(tmp_path / "missing")) is False


# Each rule with what its "auto" asks of a CPU.
RULES = pytest.mark.parametrize(
    ("uses_bfloat16", "cpu_qualifies"),
    [
        (trains_in_bfloat16, bfloat16_matrix_units),
        (partial(trains_in_bfloat16, float32_results=True), bfloat16_arithmetic),
        (samples_in_bfloat16, bfloat16_arithmetic),
    ],
)


@RULES
@pytest.mark.parametrize("device", ["cpu", "cuda", "gpu", "mps"])
def test_explicit_precisions_decide_on_every_device(
    uses_bfloat16: Callable[..., bool], cpu_qualifies: object, device: str
) -> None:
    assert uses_bfloat16("float32", device) is False
    assert uses_bfloat16("bfloat16", device) is True


@RULES
def test_auto_uses_bfloat16_on_gpus_and_qualifying_cpus_only(
    uses_bfloat16: Callable[..., bool], cpu_qualifies: Callable[[], bool]
) -> None:
    assert uses_bfloat16("auto", "cuda") is True
    assert uses_bfloat16("auto", "gpu") is True
    assert uses_bfloat16("auto", "mps") is False
    assert uses_bfloat16("auto", "cpu") is cpu_qualifies()


@pytest.mark.parametrize("spec", [CTGAN_CONFIG_SPEC, TVAE_CONFIG_SPEC])
def test_both_networks_take_the_key_with_auto_by_default(spec: dict) -> None:
    assert spec["training_precision"].default == "auto"


@pytest.mark.parametrize("value", ["fp16", "Float32", None])
def test_bad_precision_is_refused_with_the_key_named(value: object) -> None:
    pytest.importorskip("genesis_torch")
    with pytest.raises(InvalidConfigError, match="training_precision"):
        SyntheticGenerator(
            method="tvae", backend="torch", config={"training_precision": value}
        )


@pytest.mark.parametrize("flags", [AMX_FLAGS, ZEN4_FLAGS, "fpu amx_bf16 amx_tile"])
def test_bfloat16_instructions_or_amx_mean_bfloat16_arithmetic(
    tmp_path: Path, flags: str
) -> None:
    assert bfloat16_arithmetic(cpuinfo(tmp_path, flags)) is True


@pytest.mark.parametrize("flags", ["fpu avx2 avx512f avx512bw", "", "avx512_bf16x"])
def test_cpus_without_bfloat16_instructions_have_no_bfloat16_arithmetic(
    tmp_path: Path, flags: str
) -> None:
    assert bfloat16_arithmetic(cpuinfo(tmp_path, flags)) is False
    assert bfloat16_arithmetic(str(tmp_path / "missing")) is False


def test_zen4_generates_in_bfloat16_but_trains_in_float32(tmp_path: Path) -> None:
    # Without matrix units, only generation's bfloat16 tensors pay (see
    # genesis.training.samples_in_bfloat16).
    flags = cpuinfo(tmp_path, ZEN4_FLAGS)
    assert (bfloat16_arithmetic(flags), bfloat16_matrix_units(flags)) == (True, False)


@pytest.mark.parametrize("spec", [CTGAN_CONFIG_SPEC, TVAE_CONFIG_SPEC])
def test_both_networks_take_the_sampling_key_with_auto_by_default(spec: dict) -> None:
    assert spec["sampling_precision"].default == "auto"


@pytest.mark.parametrize("value", ["fp16", "BFLOAT16", 16])
@pytest.mark.parametrize(
    ("method", "spec"), [("ctgan", CTGAN_CONFIG_SPEC), ("tvae", TVAE_CONFIG_SPEC)]
)
def test_bad_sampling_precision_is_refused_with_the_key_named(
    method: str, spec: dict, value: object
) -> None:
    with pytest.raises(InvalidConfigError, match="sampling_precision"):
        resolve_config(method, spec, {"sampling_precision": value})

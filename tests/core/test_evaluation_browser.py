"""The HTML report in a real browser: Debian's Chromium, headless.

Each page is opened twice: once for a screenshot, and once, as a copy with a
small probe script added at the end, to dump the DOM after the load event with
every image's load state, while Chromium logs every console message to
stderr. Nothing here downloads a browser; the test skips where Chromium is
not installed (``.ci/run`` installs the Debian package).
"""

from __future__ import annotations

import importlib.util
import re
import shutil
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from genesis import SyntheticGenerator
from genesis.evaluation import evaluate
from tests.conftest import SHARED_DATA

_PROBE = """<script>
window.addEventListener("load", () => {
  const states = Array.from(document.images).map(
    (image) => `${image.complete ? 1 : 0}:${image.naturalWidth}x${image.naturalHeight}`
  );
  document.body.setAttribute("data-genesis-images", states.join(" "));
});
</script>"""
_CONSOLE = re.compile(r":CONSOLE[:(\]]")
_WIDTH, _HEIGHT = 1280, 2400


@dataclass(frozen=True)
class BrowserView:
    """What Chromium made of a page."""

    images: list[tuple[bool, int, int]]
    console: list[str]
    pixels: np.ndarray


def chromium() -> str:
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        pytest.skip("chromium is not installed (Debian package 'chromium')")
    return path


def open_in_chromium(page: Path, workdir: Path) -> BrowserView:
    image = pytest.importorskip("matplotlib.image")
    browser = chromium()
    base = [
        browser,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--enable-logging=stderr",
        "--v=0",
    ]
    probed = workdir / f"{page.stem}.probe.html"
    text = page.read_text(encoding="utf-8")
    probed.write_text(text.replace("</body>", _PROBE + "</body>"), encoding="utf-8")
    dump = subprocess.run(
        [
            *base,
            f"--user-data-dir={workdir / 'profile-dom'}",
            "--virtual-time-budget=5000",
            "--dump-dom",
            probed.as_uri(),
        ],
        check=True,
        capture_output=True,
        text=True,
        timeout=180,
    )
    shot = workdir / f"{page.stem}.png"
    screenshot = subprocess.run(
        [
            *base,
            f"--user-data-dir={workdir / 'profile-shot'}",
            f"--screenshot={shot}",
            f"--window-size={_WIDTH},{_HEIGHT}",
            page.as_uri(),
        ],
        check=True,
        capture_output=True,
        text=True,
        timeout=180,
    )
    found = re.search(r'data-genesis-images="([^"]*)"', dump.stdout)
    assert found, "the probe did not run: the page never finished loading"
    images = []
    for state in found.group(1).split():
        complete, size = state.split(":")
        width, height = size.split("x")
        images.append((complete == "1", int(width), int(height)))
    console = [
        line
        for line in (dump.stderr + screenshot.stderr).splitlines()
        if _CONSOLE.search(line)
    ]
    return BrowserView(images, console, image.imread(shot)[..., :3])


def assert_renders(view: BrowserView, n_images: int) -> None:
    assert view.console == []
    assert len(view.images) == n_images
    broken = [state for state in view.images if not (state[0] and state[1] > 0)]
    assert broken == []
    assert all(height > 0 for _, _, height in view.images)
    assert view.pixels.shape[:2] == (_HEIGHT, _WIDTH)
    # A blank page is one colour; the report has a dark header, white cards,
    # coloured meters and plots.
    colours = np.unique(
        (view.pixels[::4, ::4] * 255).astype(np.uint8).reshape(-1, 3), axis=0
    )
    assert len(colours) > 200
    assert view.pixels[:150].mean() < 0.35


def test_the_probe_catches_console_errors_and_broken_images(tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    page = tmp_path / "broken.html"
    page.write_text(
        "<!DOCTYPE html><html><body>"
        '<img src="data:image/png;base64,AAAA">'
        '<script>console.error("deliberate"); missingFunction();</script>'
        "</body></html>",
        encoding="utf-8",
    )

    view = open_in_chromium(page, tmp_path)

    # Each message is logged once per run: the DOM dump and the screenshot.
    assert len(view.console) == 4
    assert sum('"deliberate"' in line for line in view.console) == 2
    assert sum("missingFunction is not defined" in line for line in view.console) == 2
    assert view.images == [(True, 0, 0)]


def image_count(page: str) -> int:
    return len(re.findall(r"<img\s", page))


def test_full_report_renders_in_headless_chromium(tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    rng = np.random.default_rng(8)
    n = 1_500
    height = rng.normal(170, 10, 2 * n)
    frame = pd.DataFrame(
        {
            "height": height,
            "weight": 0.8 * (height - 170) + rng.normal(70, 6, 2 * n),
            "smoker": rng.random(2 * n) < 0.3,
            "city": rng.choice(["Lyon", "Paris", "Nice"], 2 * n),
        }
    )
    real, holdout = frame.iloc[:n], frame.iloc[n:].reset_index(drop=True)
    synthetic = (
        SyntheticGenerator(method="gaussian_copula", seed=0)
        .fit(real, progress=False)
        .generate(n)
    )
    report = evaluate(
        real, synthetic, holdout=holdout, target="smoker", ml_model="linear"
    )
    page = tmp_path / "report.html"
    text = report.to_html(page)

    view = open_in_chromium(page, tmp_path)

    for key in ("ml_efficacy", "detection", "privacy"):
        assert f'<section id="{key}">' in text
    # Four column plots, two heatmaps, and one plot for ML efficacy, one for
    # detection and two for privacy (distances and the membership attack).
    assert image_count(text) == 4 + 2 + 1 + 1 + 2
    assert_renders(view, image_count(text))


needs_shared = pytest.mark.skipif(
    not (SHARED_DATA / "adult.csv").is_file(),
    reason=f"real datasets not found at {SHARED_DATA}",
)
_NEURAL = {"ctgan", "tvae"}
_TARGETS = {"adult": ("income", 2_000), "loans": ("grade", 1_500)}


@pytest.fixture
def one_torch_thread() -> Iterator[Callable[[], None]]:
    """Call to fit on one torch thread; the setting is restored afterwards.

    On a busy two-core machine, two torch threads waiting for each other make
    each training step twenty times slower.
    """
    torch = None
    before = 0

    def limit() -> None:
        nonlocal torch, before
        import torch as torch_module

        torch, before = torch_module, torch_module.get_num_threads()
        torch.set_num_threads(1)

    yield limit
    if torch is not None:
        torch.set_num_threads(before)


@needs_shared
@pytest.mark.parametrize("method", ["gaussian_copula", "ctgan", "tvae"])
@pytest.mark.parametrize("dataset", ["adult", "loans"])
def test_full_report_of_each_method_on_real_data_opens_in_chromium(
    dataset: str,
    method: str,
    tmp_path: Path,
    one_torch_thread: Callable[[], None],
) -> None:
    pytest.importorskip("matplotlib")
    if method in _NEURAL and importlib.util.find_spec("genesis_torch") is None:
        pytest.skip("genesis-synth-torch is not installed")
    chromium()
    if method in _NEURAL:
        one_torch_thread()
    target, n_train = _TARGETS[dataset]
    table = pd.read_csv(SHARED_DATA / f"{dataset}.csv").sample(
        n_train + 1_000, random_state=4
    )
    real = table.iloc[:n_train].reset_index(drop=True)
    holdout = table.iloc[n_train:].reset_index(drop=True)
    # Two epochs: this test is about the report, not the model's quality.
    config = {"epochs": 2} if method in _NEURAL else {}
    generator = SyntheticGenerator(method=method, config=config, seed=0)
    synthetic = generator.fit(real, progress=False).generate(n_train)

    report = evaluate(
        real,
        synthetic,
        generator.metadata_,
        holdout=holdout,
        target=target,
        ml_model="linear",
    )
    page = tmp_path / f"{dataset}-{method}.html"
    text = report.to_html(page)
    view = open_in_chromium(page, tmp_path)

    assert set(report.properties) >= {"ml_efficacy", "detection", "privacy"}
    assert all(0.0 <= report.properties[k] <= 1.0 for k in ("detection", "privacy"))
    assert report.ml_efficacy["target"] == target
    assert report.ml_efficacy["task"] == "classification"
    assert_renders(view, image_count(text))

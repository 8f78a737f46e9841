"""The report's plots, drawn with matplotlib and returned as PNG bytes.

matplotlib is the optional ``report`` extra, so it is imported here, when a
page is rendered, and never at ``import genesis``. Figures are built with
``matplotlib.figure.Figure`` and the Agg canvas directly: no pyplot, so the
caller's backend and pyplot state are left alone.
"""

from __future__ import annotations

import io
from collections.abc import Hashable, Sequence
from types import ModuleType
from typing import Any

import numpy as np
import pandas as pd

from genesis.errors import BackendNotAvailableError

__all__ = [
    "REAL_COLOUR",
    "SYNTHETIC_COLOUR",
    "column_png",
    "correlation_difference_png",
    "distances_png",
    "load_matplotlib",
    "ml_efficacy_png",
    "pair_scores_png",
    "roc_png",
]

REAL_COLOUR = "#3b6ea8"
SYNTHETIC_COLOUR = "#e0792f"
_GAP_COLOUR = "#b3261e"
_WIDTH_IN = 7.0
_DPI = 90
# Past this many columns the heatmap cells are too small to print values in.
_MAX_ANNOTATED = 14


def load_matplotlib() -> ModuleType:
    """Import matplotlib, or explain how to install it.

    Raises:
        BackendNotAvailableError: matplotlib is not installed.
    """
    try:
        import matplotlib
        import matplotlib.backends.backend_agg
        import matplotlib.dates
        import matplotlib.figure
        import matplotlib.ticker
    except ImportError as error:
        raise BackendNotAvailableError(
            "The HTML report draws its plots with matplotlib, which is not "
            'installed; install it with: pip install "genesis-synth-core[report]"'
        ) from error
    return matplotlib


def column_png(summary: dict[str, Any]) -> bytes:
    """Real against synthetic for one column, from its distribution summary."""
    if summary["kind"] == "numeric":
        return _numeric_png(summary)
    return _discrete_png(summary)


def correlation_difference_png(
    real: pd.DataFrame, synthetic: pd.DataFrame, limit: float = 0.5
) -> bytes:
    """A heatmap of real minus synthetic correlation, clipped at ``limit``."""
    difference = (real - synthetic).to_numpy(dtype=np.float64, copy=True)
    # The diagonal is 0 by definition; blank it so the eye goes to the pairs.
    np.fill_diagonal(difference, np.nan)
    labels = [str(c) for c in real.columns]
    return _heatmap_png(
        difference,
        labels,
        cmap="RdBu_r",
        vmin=-limit,
        vmax=limit,
        extend="both",
        colour_label="real − synthetic correlation",
        value_format="{:+.2f}",
    )


def pair_scores_png(pairs: pd.DataFrame, columns: Sequence[Hashable]) -> bytes:
    """A heatmap of every pair's score, columns in table order."""
    position = {name: i for i, name in enumerate(columns)}
    matrix = np.full((len(columns), len(columns)), np.nan)
    for row in pairs.itertuples(index=False):
        i, j = position[row.column_1], position[row.column_2]
        matrix[i, j] = matrix[j, i] = row.score
    return _heatmap_png(
        matrix,
        [str(c) for c in columns],
        cmap="RdYlBu",
        vmin=0.5,
        vmax=1.0,
        extend="min",
        colour_label="pair score",
        value_format="{:.2f}",
    )


def ml_efficacy_png(section: dict[str, Any]) -> bytes:
    """Test scores of the model trained on real rows and on synthetic rows."""
    metrics = (
        [("r2", "R²")]
        if section["task"] == "regression"
        else [
            ("roc_auc", "ROC AUC"),
            ("accuracy", "accuracy"),
            ("balanced_accuracy", "balanced accuracy"),
            ("macro_f1", "macro F1"),
        ]
    )
    figure = _new_figure(_WIDTH_IN * 0.8, 0.9 + 0.55 * len(metrics))
    axis = figure.subplots()
    figure.subplots_adjust(left=0.2, right=0.95, top=0.8, bottom=0.2)
    y = np.arange(len(metrics))
    bar = 0.38
    for offset, role, colour, label in (
        (-bar / 2, "real", REAL_COLOUR, "trained on real"),
        (bar / 2, "synthetic", SYNTHETIC_COLOUR, "trained on synthetic"),
    ):
        values = [section[role].get(key) or 0.0 for key, _ in metrics]
        axis.barh(y + offset, values, height=bar, color=colour, label=label)
        for position, value in zip(y + offset, values, strict=True):
            axis.text(
                value + 0.01,
                position,
                f"{value:.3f}",
                va="center",
                fontsize=7.5,
                color="#333",
            )
    axis.set_yticks(y, [name for _, name in metrics], fontsize=8)
    axis.invert_yaxis()
    axis.set_xlim(0.0, 1.12)
    axis.set_title(
        f"tested on real rows ({section['test']})", fontsize=9, loc="left", color="#444"
    )
    axis.legend(
        loc="upper right",
        bbox_to_anchor=(1.0, 1.3),
        ncol=2,
        frameon=False,
        fontsize=8,
    )
    _style_axis(axis)
    return _png(figure)


def roc_png(curves: Sequence[tuple[str, list[float], list[float], str]]) -> bytes:
    """ROC curves, each ``(label, false positive rates, true positive rates,
    colour)``, over the diagonal of a guess."""
    figure = _new_figure(3.6, 3.4)
    axis = figure.subplots()
    figure.subplots_adjust(left=0.17, right=0.96, top=0.9, bottom=0.15)
    axis.plot([0, 1], [0, 1], color="#999", linewidth=1.0, linestyle="--")
    axis.text(0.55, 0.45, "chance", fontsize=7.5, color="#777", rotation=45)
    for label, fpr, tpr, colour in curves:
        if fpr:
            axis.plot(fpr, tpr, color=colour, linewidth=2.0, label=label)
    axis.set_xlim(0, 1)
    axis.set_ylim(0, 1)
    axis.set_xlabel("false positive rate", fontsize=8)
    axis.set_ylabel("true positive rate", fontsize=8)
    if any(fpr for _, fpr, _, _ in curves):
        axis.legend(loc="lower right", frameon=False, fontsize=7.5)
    _style_axis(axis)
    return _png(figure)


def distances_png(section: dict[str, Any]) -> bytes:
    """Cumulative distances to the closest real row, and NNDR, against the
    baseline of fresh real rows."""
    figure = _new_figure(_WIDTH_IN, 2.8)
    dcr_axis, ratio_axis = figure.subplots(1, 2)
    figure.subplots_adjust(left=0.08, right=0.97, top=0.8, bottom=0.2, wspace=0.25)
    panels = (
        (dcr_axis, section["dcr"], "distance to the closest real row"),
        (ratio_axis, section["nndr"], "closest / second-closest distance"),
    )
    for axis, values, title in panels:
        for role, colour, label in (
            ("baseline", REAL_COLOUR, "fresh real rows"),
            ("synthetic", SYNTHETIC_COLOUR, "synthetic rows"),
        ):
            quantiles = values[f"{role}_quantiles"]
            if quantiles:
                axis.plot(
                    quantiles,
                    np.linspace(0.0, 1.0, len(quantiles)),
                    color=colour,
                    linewidth=2.0,
                    drawstyle="steps-post",
                    label=label,
                )
        axis.set_ylim(-0.02, 1.02)
        axis.set_title(title, fontsize=9, loc="left", color="#444")
        axis.yaxis.set_major_formatter(_percent_formatter())
        _style_axis(axis)
    dcr_axis.legend(loc="lower right", frameon=False, fontsize=7.5)
    figure.text(
        0.01,
        0.01,
        "cumulative share of rows; a synthetic curve left of the real one means "
        "synthetic rows sit closer to real records",
        fontsize=7,
        color="#666",
        va="bottom",
    )
    return _png(figure)


def _new_figure(width: float, height: float) -> Any:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(width, height), dpi=_DPI)
    FigureCanvasAgg(figure)
    return figure


def _png(figure: Any) -> bytes:
    buffer = io.BytesIO()
    # Fixed margins instead of bbox_inches="tight", which draws every
    # figure twice; a report of 55 columns renders in half the time.
    figure.savefig(buffer, format="png", dpi=_DPI, metadata={"Software": None})
    return buffer.getvalue()


def _numeric_png(summary: dict[str, Any]) -> bytes:
    figure = _new_figure(_WIDTH_IN, 2.7)
    histogram, cdf = figure.subplots(1, 2, gridspec_kw={"width_ratios": [1.25, 1]})
    figure.subplots_adjust(left=0.08, right=0.97, top=0.82, bottom=0.25, wspace=0.22)
    edges = np.asarray(summary["edges"], dtype=np.float64)
    if edges.size == 0:
        for axis in (histogram, cdf):
            axis.text(
                0.5,
                0.5,
                "no observed values",
                ha="center",
                va="center",
                transform=axis.transAxes,
                color="#666",
            )
            axis.set_axis_off()
        return _png(figure)

    is_datetime = summary["column_type"] == "datetime"
    x_edges = _to_axis(edges, summary)
    if summary["real"]:
        histogram.stairs(
            summary["real"],
            x_edges,
            fill=True,
            color=REAL_COLOUR,
            alpha=0.45,
            label="real",
        )
    if summary["synthetic"]:
        histogram.stairs(
            summary["synthetic"],
            x_edges,
            color=SYNTHETIC_COLOUR,
            linewidth=1.8,
            label="synthetic",
        )
    histogram.set_title("share of rows per bin", fontsize=9, loc="left", color="#444")
    histogram.yaxis.set_major_formatter(_percent_formatter())
    _legend(figure)
    outside = max(summary["outside_real"], summary["outside_synthetic"])
    if outside > 0.0005:
        figure.text(
            0.01,
            0.01,
            f"central range shown; {summary['outside_real']:.1%} real and "
            f"{summary['outside_synthetic']:.1%} synthetic values lie outside",
            fontsize=7,
            color="#666",
            va="bottom",
        )

    _draw_cdf(cdf, summary)
    cdf.set_xlim(x_edges[0], x_edges[-1])
    for axis in (histogram, cdf):
        _style_axis(axis)
        if is_datetime:
            _date_axis(axis)
        elif summary["column_type"] == "integer":
            axis.xaxis.set_major_locator(_integer_locator())
    return _png(figure)


def _draw_cdf(axis: Any, summary: dict[str, Any]) -> None:
    lines = (("real", REAL_COLOUR, 2.2), ("synthetic", SYNTHETIC_COLOUR, 1.6))
    for role, colour, width in lines:
        quantiles = np.asarray(summary[f"{role}_quantiles"], dtype=np.float64)
        if quantiles.size:
            steps = np.linspace(0.0, 1.0, quantiles.size)
            axis.plot(
                _to_axis(quantiles, summary),
                steps,
                color=colour,
                linewidth=width,
                drawstyle="steps-post",
            )
    at = summary["ks_at"]
    if at is not None:
        _draw_gap(axis, summary, at)
    axis.set_ylim(-0.02, 1.02)
    axis.set_title("cumulative share", fontsize=9, loc="left", color="#444")
    axis.yaxis.set_major_formatter(_percent_formatter())


def _draw_gap(axis: Any, summary: dict[str, Any], at: float) -> None:
    real_q = np.asarray(summary["real_quantiles"], dtype=np.float64)
    synthetic_q = np.asarray(summary["synthetic_quantiles"], dtype=np.float64)
    low, high = _cdf_at(real_q, at), _cdf_at(synthetic_q, at)
    if abs(high - low) < 0.01:
        return
    x = _to_axis(np.array([at]), summary)[0]
    axis.plot([x, x], [low, high], color=_GAP_COLOUR, linewidth=2.0)
    edges = _to_axis(np.asarray(summary["edges"], dtype=np.float64), summary)
    # Write the label on the side of the line with more room.
    right_half = x > (edges[0] + edges[-1]) / 2
    axis.annotate(
        f"largest gap {abs(high - low):.2f}",
        (x, (low + high) / 2),
        xytext=(-6 if right_half else 6, 0),
        textcoords="offset points",
        fontsize=7.5,
        color=_GAP_COLOUR,
        va="center",
        ha="right" if right_half else "left",
    )


def _legend(figure: Any) -> None:
    from matplotlib.patches import Patch

    handles = [
        Patch(color=REAL_COLOUR, alpha=0.6, label="real"),
        Patch(color=SYNTHETIC_COLOUR, label="synthetic"),
    ]
    figure.legend(
        handles=handles,
        loc="upper right",
        ncol=2,
        frameon=False,
        fontsize=8,
        bbox_to_anchor=(0.98, 1.0),
        handlelength=1.2,
    )


def _cdf_at(quantiles: np.ndarray, value: float) -> float:
    # The quantiles are evenly spaced levels, so the share of values at or
    # below ``value`` is where it falls among them.
    levels = np.linspace(0.0, 1.0, quantiles.size)
    position = np.searchsorted(quantiles, value, side="right")
    return float(levels[max(position - 1, 0)]) if position else 0.0


def _discrete_png(summary: dict[str, Any]) -> bytes:
    labels = summary["labels"]
    n_bars = max(len(labels), 1)
    height = 0.85 + 0.3 * n_bars
    figure = _new_figure(_WIDTH_IN, height)
    axis = figure.subplots()
    # Room on the left for category labels of up to 28 characters.
    figure.subplots_adjust(
        left=0.27, right=0.97, top=1 - 0.42 / height, bottom=0.38 / height
    )
    y = np.arange(n_bars)
    bar = 0.4
    axis.barh(
        y - bar / 2,
        summary["real"],
        height=bar,
        color=REAL_COLOUR,
        alpha=0.85,
        label="real",
    )
    axis.barh(
        y + bar / 2,
        summary["synthetic"],
        height=bar,
        color=SYNTHETIC_COLOUR,
        alpha=0.9,
        label="synthetic",
    )
    axis.set_yticks(y, [_short(label) for label in labels], fontsize=8)
    axis.invert_yaxis()
    axis.xaxis.set_major_formatter(_percent_formatter())
    axis.set_title("share of rows per category", fontsize=9, loc="left", color="#444")
    _legend(figure)
    _style_axis(axis)
    axis.grid(axis="x", color="#e6e6e6", linewidth=0.8)
    axis.set_axisbelow(True)
    return _png(figure)


def _heatmap_png(
    matrix: np.ndarray,
    labels: list[str],
    *,
    cmap: str,
    vmin: float,
    vmax: float,
    extend: str,
    colour_label: str,
    value_format: str,
) -> bytes:
    n = len(labels)
    cells = min(max(2.0, 0.34 * n), 9.5)
    labels_in = 1.7
    figure = _new_figure(cells + labels_in + 1.3, cells + labels_in + 0.2)
    width, height = figure.get_size_inches()
    axis = figure.add_axes(
        (labels_in / width, labels_in / height, cells / width, cells / height)
    )
    colour_axis = figure.add_axes(
        (
            (labels_in + cells + 0.25) / width,
            labels_in / height,
            0.15 / width,
            cells / height,
        )
    )
    from matplotlib import colormaps

    colours = colormaps[cmap].with_extremes(bad="#f2f2f2")
    masked = np.ma.masked_invalid(matrix)
    image = axis.imshow(masked, cmap=colours, vmin=vmin, vmax=vmax, aspect="equal")
    font = 8 if n <= 20 else max(4.5, 8 - (n - 20) * 0.1)
    short = [_short(label, 24) for label in labels]
    axis.set_xticks(np.arange(n), short, rotation=90, fontsize=font)
    axis.set_yticks(np.arange(n), short, fontsize=font)
    if n <= _MAX_ANNOTATED:
        for i in range(n):
            for j in range(n):
                value = matrix[i, j]
                if np.isfinite(value):
                    # Round first so a tiny negative value does not print as -0.00.
                    value = round(float(value), 2) + 0.0
                    axis.text(
                        j,
                        i,
                        value_format.format(value),
                        ha="center",
                        va="center",
                        fontsize=7,
                        color="#222",
                    )
    for side_name in ("top", "right", "bottom", "left"):
        axis.spines[side_name].set_visible(False)
    colour_bar = figure.colorbar(image, cax=colour_axis, extend=extend)
    colour_bar.set_label(colour_label, fontsize=8)
    colour_bar.ax.tick_params(labelsize=7)
    return _png(figure)


def _to_axis(values: np.ndarray, summary: dict[str, Any]) -> np.ndarray:
    """Numbers as they are; datetimes as matplotlib date numbers."""
    if summary["column_type"] != "datetime":
        return values
    from matplotlib.dates import date2num

    nanoseconds = np.round(values).astype(np.int64) + int(summary.get("offset", 0))
    return date2num(nanoseconds.astype("datetime64[ns]"))


def _date_axis(axis: Any) -> None:
    from matplotlib import dates

    locator = dates.AutoDateLocator(minticks=3, maxticks=5)
    # Longer steps than the defaults, so that a narrow axis gets at most five
    # labels whatever the span, without the locator warning it found none.
    locator.intervald[dates.MONTHLY] = [1, 2, 3, 4, 6, 12]
    locator.intervald[dates.DAILY] = [1, 2, 3, 7, 14, 21, 28]
    locator.intervald[dates.HOURLY] = [1, 2, 3, 4, 6, 12, 24]
    locator.intervald[dates.MINUTELY] = [1, 5, 10, 15, 30, 60]
    locator.intervald[dates.SECONDLY] = [1, 5, 10, 15, 30, 60]
    axis.xaxis.set_major_locator(locator)
    axis.xaxis.set_major_formatter(dates.ConciseDateFormatter(locator))


def _style_axis(axis: Any) -> None:
    axis.spines["top"].set_visible(False)
    axis.spines["right"].set_visible(False)
    axis.spines["left"].set_color("#999")
    axis.spines["bottom"].set_color("#999")
    axis.tick_params(labelsize=7.5, colors="#444")


def _integer_locator() -> Any:
    from matplotlib.ticker import MaxNLocator

    return MaxNLocator(nbins=6, integer=True)


def _percent_formatter() -> Any:
    from matplotlib.ticker import PercentFormatter

    return PercentFormatter(xmax=1.0, decimals=None)


def _short(label: str, width: int = 28) -> str:
    return label if len(label) <= width else label[: width - 1] + "…"

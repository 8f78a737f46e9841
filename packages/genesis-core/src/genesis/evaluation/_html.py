"""The quality report as one self-contained HTML page.

The page holds its styles inline and its plots as base64 PNG images, and
refers to nothing outside itself, so it can be mailed, archived or opened
offline. Each property is one section function; a new property adds its own
function to :data:`_SECTIONS`.
"""

from __future__ import annotations

import base64
import html
from collections.abc import Callable, Hashable
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from genesis._values import decode_value
from genesis.evaluation._plots import (
    REAL_COLOUR,
    SYNTHETIC_COLOUR,
    column_png,
    correlation_difference_png,
    distances_png,
    load_matplotlib,
    ml_efficacy_png,
    pair_scores_png,
    roc_png,
)
from genesis.evaluation._verdicts import FAIR, GOOD, property_verdicts, rating

if TYPE_CHECKING:
    from genesis.evaluation._report import QualityReport

__all__ = ["render_html"]

_WORST_PAIRS = 20
_SIDE_BY_SIDE = 20
_TYPE_NAMES = {
    "continuous": "number",
    "integer": "integer",
    "datetime": "datetime",
    "categorical": "category",
    "boolean": "boolean",
}
_METRIC_NAMES = {
    "ks_complement": "KS complement",
    "tv_complement": "TV complement",
    "correlation_similarity": "correlation similarity",
    "contingency_similarity": "contingency similarity",
}


def render_html(report: QualityReport, max_plots: int | None = None) -> str:
    """The whole page for ``report``, with plots of the ``max_plots`` weakest
    columns (None: every column).

    Raises:
        BackendNotAvailableError: matplotlib is not installed.
    """
    load_matplotlib()
    verdicts = property_verdicts(report)
    body = [_header(report, verdicts), '<main class="wrap">']
    body.extend(
        _shapes_section(report, verdicts, max_plots)
        if section is _shapes_section
        else section(report, verdicts)
        for section in _SECTIONS
    )
    body.extend([_about(report), "</main>"])
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>Synthetic data quality: {report.score:.1%}</title>\n"
        f"<style>{_CSS}</style>\n</head>\n<body>\n"
        + "\n".join(body)
        + "\n</body>\n</html>\n"
    )


def _and_list(titles: list[str]) -> str:
    """One or more titles joined as ``A``, ``A and b``, ``A, b and c``.

    Titles after the first lose their capital unless it starts an acronym
    (``ML efficacy``).
    """
    words = [
        title if i == 0 or title[1:2].isupper() else title[:1].lower() + title[1:]
        for i, title in enumerate(titles)
    ]
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def _header(report: QualityReport, verdicts: dict[str, str]) -> str:
    from genesis.evaluation._report import PROPERTY_TITLES

    info = report.info
    cards = []
    for key, score in report.properties.items():
        title = PROPERTY_TITLES.get(key, key.replace("_", " ").capitalize())
        cards.append(
            f'<a class="property" href="#{key}"><div class="property-title">'
            f"{_e(title)}</div>{_meter(score, large=True)}"
            f'<p class="verdict">{_e(verdicts.get(key, ""))}</p></a>'
        )
    rows_text = (
        f"{info['real_rows']:,} real rows, {info['synthetic_rows']:,} synthetic rows, "
        f"{len(report.column_shapes)} columns scored"
    )
    notes = "".join(f'<p class="note">{_e(n)}</p>' for n in info.get("notes", []))
    extras = [
        key
        for key in ("ml_efficacy", "detection", "privacy")
        if report.section(key) is not None
    ]
    extra_links = "".join(
        f'<a href="#{key}">{_e(PROPERTY_TITLES[key])}</a>' for key in extras
    )
    beside_text = ""
    if extras:
        beside = _and_list([PROPERTY_TITLES[key] for key in extras])
        verb = "is" if len(extras) == 1 else "are"
        beside_text = f" {_e(beside)} {verb} scored beside it."
    return f"""<header class="top">
<div class="wrap header-grid">
  <div class="overall">
    <div class="ring {rating(report.score)}" style="--p:{_percent(report.score)}">
      <div class="ring-inner"><span class="big">{_format(report.score)}</span>
      <span class="small">overall</span></div>
    </div>
  </div>
  <div class="headline">
    <h1>Synthetic data quality</h1>
    <p class="sub">{_e(rows_text)}. The overall score is the mean of the column
    shapes and column pair trends scores; 100% means the synthetic data matches
    the real data on both.{beside_text}</p>
    {notes}
  </div>
</div>
<div class="wrap properties">{"".join(cards)}</div>
<nav class="wrap"><a href="#column_shapes">Column shapes</a>
<a href="#columns">Column plots</a><a href="#column_pair_trends">Column pair trends</a>
{extra_links}<a href="#about">About these scores</a></nav>
</header>"""


def _shapes_section(
    report: QualityReport, verdicts: dict[str, str], max_plots: int | None = None
) -> str:
    shapes = report.column_shapes.sort_values(
        "score", na_position="last", kind="stable"
    )
    # A plot takes about a quarter of a second to draw; a page for hundreds
    # of columns shows the weakest, where the work is.
    plotted = shapes if max_plots is None else shapes.iloc[:max_plots]
    anchors = {
        name: f"col-{i}" for i, name in enumerate(report.column_shapes["column"])
    }
    rows = []
    for position, row in enumerate(shapes.itertuples(index=False)):
        missing = f"{_share(row.missing_real)} / {_share(row.missing_synthetic)}"
        name = _e(row.column)
        if position < len(plotted):
            name = f'<a href="#{anchors[row.column]}">{name}</a>'
        rows.append(
            f"<tr><td>{name}</td>"
            f"<td>{_e(_TYPE_NAMES.get(row.column_type, row.column_type))}</td>"
            f"<td>{_e(_METRIC_NAMES.get(row.metric, row.metric))}</td>"
            f'<td>{_meter(row.score)}</td><td class="num">{missing}</td>'
            f'<td class="muted">{_e(row.note)}</td></tr>'
        )
    table = (
        '<table class="scores"><thead><tr><th>Column</th><th>Type</th><th>Metric</th>'
        "<th>Score</th><th>Missing, real / synthetic</th><th>Note</th></tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table>"
    )
    cards = [
        _column_card(report, row, anchors[row.column])
        for row in plotted.itertuples(index=False)
    ]
    shown = "sorted worst first"
    if len(plotted) < len(shapes):
        shown = (
            f"the {len(plotted)} weakest of {len(shapes)} columns, worst first; "
            "to_html(max_plots=None) draws every one"
        )
    return f"""<section id="column_shapes">
<h2>Column shapes <span class="badge {rating(report.properties["column_shapes"])}">
{_format(report.properties["column_shapes"])}</span></h2>
<p class="lead">{_e(verdicts["column_shapes"])}</p>
<p class="explain">Each column's synthetic values against its real values, worst first.
Numbers and dates: 1 − the largest gap between the two cumulative distributions
(KS complement). Categories: 1 − half the summed difference of category shares
(TV complement), with missing as a category.</p>
{table}
</section>
<section id="columns">
<h2>Real vs synthetic, column by column</h2>
<p class="legend"><span class="swatch" style="background:{REAL_COLOUR}"></span>real
<span class="swatch" style="background:{SYNTHETIC_COLOUR}"></span>synthetic
&nbsp;· {shown}</p>
<div class="grid">{"".join(cards)}</div>
</section>"""


def _column_card(report: QualityReport, row: Any, anchor: str) -> str:
    summary = report.distributions[row.column]
    image = _image(
        column_png(summary),
        f"Real and synthetic distribution of {row.column}",
        "column-plot",
    )
    facts = [_TYPE_NAMES.get(row.column_type, row.column_type)]
    if row.missing_real > 0 or row.missing_synthetic > 0:
        facts.append(
            f"missing {_share(row.missing_real)} real, "
            f"{_share(row.missing_synthetic)} synthetic"
        )
    if row.note:
        facts.append(row.note)
    return f"""<div class="card" id="{anchor}">
<div class="card-head"><div><div class="col-name">{_e(row.column)}</div>
<div class="muted">{_e(" · ".join(facts))}</div></div>
<span class="badge {rating(row.score)}">{_format(row.score)}</span></div>
{image}
</div>"""


def _trends_section(report: QualityReport, verdicts: dict[str, str]) -> str:
    pairs = report.column_pair_trends
    score = report.properties["column_pair_trends"]
    # A heatmap of many columns needs the full width to keep its labels legible.
    wide = ' class="wide"' if len(report.column_shapes) > _SIDE_BY_SIDE else ""
    figures = []
    if len(report.correlation_real.columns) >= 2:
        figures.append(
            f"<figure{wide}><figcaption>Correlation difference, real − synthetic, "
            "numeric columns (white is equal; colour scale clipped at ±0.5)"
            "</figcaption>"
            + _image(
                correlation_difference_png(
                    report.correlation_real, report.correlation_synthetic
                ),
                "Heatmap of the difference between real and synthetic correlations",
                "heatmap",
            )
            + "</figure>"
        )
    if len(pairs):
        figures.append(
            f"<figure{wide}><figcaption>Score of every pair of columns (blue is good; "
            "below 50% shows as the darkest red)</figcaption>"
            + _image(
                pair_scores_png(pairs, list(report.column_shapes["column"])),
                "Heatmap of the score of every pair of columns",
                "heatmap",
            )
            + "</figure>"
        )
    worst = pairs.sort_values("score", na_position="last", kind="stable")
    table = _pairs_table(worst.head(_WORST_PAIRS))
    full = ""
    if len(pairs) > _WORST_PAIRS:
        full = (
            f"<details><summary>All {len(pairs):,} pairs</summary>"
            f"{_pairs_table(worst)}</details>"
        )
    return f"""<section id="column_pair_trends">
<h2>Column pair trends <span class="badge {rating(score)}">{_format(score)}</span></h2>
<p class="lead">{_e(verdicts["column_pair_trends"])}</p>
<p class="explain">Two numeric columns: 1 − half the difference of their Pearson
correlations. Any other pair: 1 − half the summed difference of the two
contingency tables' shares; a number paired with a category is cut at the
deciles of its real values first.</p>
<div class="figures">{"".join(figures)}</div>
<h3>Weakest pairs</h3>
{table}
{full}
</section>"""


def _pairs_table(pairs: pd.DataFrame) -> str:
    rows = []
    for row in pairs.itertuples(index=False):
        rows.append(
            f"<tr><td>{_e(row.column_1)}</td><td>{_e(row.column_2)}</td>"
            f"<td>{_e(_METRIC_NAMES.get(row.metric, row.metric))}</td>"
            f"<td>{_meter(row.score)}</td>"
            f'<td class="num">{_correlation(row.real_correlation)}</td>'
            f'<td class="num">{_correlation(row.synthetic_correlation)}</td>'
            f'<td class="muted">{_e(row.note)}</td></tr>'
        )
    return (
        '<table class="scores"><thead><tr><th>Column</th><th>Column</th>'
        "<th>Metric</th><th>Score</th><th>Real r</th><th>Synthetic r</th>"
        f"<th>Note</th></tr></thead><tbody>{''.join(rows)}</tbody></table>"
    )


def _about(report: QualityReport) -> str:
    info = report.info
    used = (
        f"{info['real_rows_used']:,} of {info['real_rows']:,} real rows and "
        f"{info['synthetic_rows_used']:,} of {info['synthetic_rows']:,} synthetic rows"
    )
    skipped = info.get("skipped_columns", {})
    skipped_text = (
        "; ".join(f"{_e(name)} ({_e(reason)})" for name, reason in skipped.items())
        or "none"
    )
    column_rows = "".join(
        f"<tr><td>{_e(decode_value(c['name']))}</td>"
        f"<td>{_e(_TYPE_NAMES.get(c['column_type'], c['column_type']))}</td>"
        f"<td>{_e(c['dtype'])}</td></tr>"
        for c in info.get("metadata", {}).get("columns", [])
    )
    return f"""<section id="about">
<h2>About these scores</h2>
<ul class="facts">
<li>Scored: {used}.</li>
<li>Columns left out: {skipped_text}.</li>
<li>Bands used for colours: good from {GOOD:.0%}, fair from {FAIR:.0%}, poor below.
They are a reading aid, not a standard.</li>
<li>The metrics follow the definitions of sdmetrics' QualityReport (KSComplement,
TVComplement, CorrelationSimilarity, ContingencySimilarity); Genesis counts missing
values as a category in the TV complement and bins numbers at the real deciles.</li>
<li>Genesis {_e(info.get("genesis_version", "unknown"))}, made
{_e(info.get("created", ""))} in {info.get("seconds", float("nan")):.2f} s.</li>
</ul>
<details><summary>Column types used</summary>
<table class="scores"><thead><tr><th>Column</th><th>Column type</th><th>dtype</th>
</tr></thead><tbody>{column_rows}</tbody></table></details>
</section>"""


def _ml_section(report: QualityReport, verdicts: dict[str, str]) -> str:
    section = report.ml_efficacy
    if section is None:
        return ""
    score = report.properties["ml_efficacy"]
    metrics = [k for k in section["real"] if section["real"][k] is not None]
    rows = "".join(
        f"<tr><td>{_e(_ML_METRICS.get(key, key))}</td>"
        f'<td class="num">{_number(section["real"][key])}</td>'
        f'<td class="num">{_number(section["synthetic"][key])}</td></tr>'
        for key in metrics
    )
    counts = section["rows"]
    model = _MODEL_NAMES.get(section["model"], section["model"])
    test = "the holdout" if section["test"] == "holdout" else "30% of the real rows"
    return f"""<section id="ml_efficacy">
<h2>ML efficacy <span class="badge {rating(score)}">{_format(score)}</span></h2>
<p class="lead">{_e(verdicts["ml_efficacy"])}</p>
<p class="explain">Two {_e(model)}s predict {_e(section["target"])!s}
({_e(section["task"])}): one trained on {counts["real_train"]:,} real rows, one on
{counts["synthetic_train"]:,} synthetic rows; both are tested on {counts["test"]:,}
rows of {_e(test)}. The score is the share of the real model's skill above
chance ({_e(_chance_text(section))}) that the synthetic model keeps.</p>
<div class="figures"><figure><figcaption>Test scores</figcaption>
{_image(ml_efficacy_png(section), "Test scores of both models", "section-plot")}
</figure><figure><table class="scores"><thead><tr><th>Metric</th>
<th>Trained on real</th><th>Trained on synthetic</th></tr></thead>
<tbody>{rows}</tbody></table></figure></div>
</section>"""


def _chance_text(section: dict) -> str:
    if section["metric"] == "balanced_accuracy":
        return f"balanced accuracy above 1/{len(section['classes'])}"
    return "ROC AUC above 0.5, or R² above 0"


def _detection_section(report: QualityReport, verdicts: dict[str, str]) -> str:
    section = report.detection
    if section is None:
        return ""
    score = report.properties["detection"]
    model = _MODEL_NAMES.get(section["model"], section["model"])
    plot = roc_png(
        [("real vs synthetic", section["fpr"], section["tpr"], SYNTHETIC_COLOUR)]
    )
    return f"""<section id="detection">
<h2>Detection <span class="badge {rating(score)}">{_format(score)}</span></h2>
<p class="lead">{_e(verdicts["detection"])}</p>
<p class="explain">A {_e(model)} learns to tell {section["rows_per_class"]:,} real
rows from as many synthetic rows, with {section["folds"]}-fold cross-validation.
The score is 1 − (2 × AUC − 1): 100% when it does no better than a coin.</p>
<div class="figures"><figure><figcaption>ROC curve of the classifier</figcaption>
{_image(plot, "ROC curve of the real-versus-synthetic classifier", "section-plot")}
</figure></div>
</section>"""


def _privacy_section(report: QualityReport, verdicts: dict[str, str]) -> str:
    section = report.privacy
    if section is None:
        return ""
    score = report.properties["privacy"]
    flags = "".join(f"<li>{_e(flag)}</li>" for flag in section["flags"])
    flag_list = f'<ul class="flags">{flags}</ul>' if flags else ""
    dcr, nndr = section["dcr"], section["nndr"]
    copies = section["exact_copies"]
    attack = section.get("membership_inference")
    rows = [
        (
            "Median distance to the closest real row",
            dcr["synthetic_median"],
            dcr["baseline_median"],
            "{:.3f}",
        ),
        (
            "5th percentile of that distance",
            dcr["synthetic_p05"],
            dcr["baseline_p05"],
            "{:.3f}",
        ),
        (
            "Median nearest-neighbour distance ratio",
            nndr["synthetic_median"],
            nndr["baseline_median"],
            "{:.3f}",
        ),
        (
            "Exact copies of a real row",
            copies["synthetic"],
            copies["baseline"],
            "{:.2%}",
        ),
    ]
    table_rows = "".join(
        f'<tr><td>{_e(name)}</td><td class="num">{_formatted(a, fmt)}</td>'
        f'<td class="num">{_formatted(b, fmt)}</td></tr>'
        for name, a, b, fmt in rows
    )
    figures = [
        "<figure><figcaption>Distances, synthetic rows against fresh real rows"
        "</figcaption>"
        + _image(distances_png(section), "Cumulative distances", "section-plot")
        + "</figure>"
    ]
    if attack is not None:
        figures.append(
            "<figure><figcaption>Membership attack: training rows against "
            f"holdout rows, AUC {attack['auc']:.3f}</figcaption>"
            + _image(
                roc_png([("membership attack", attack["fpr"], attack["tpr"], _POOR)]),
                "ROC curve of the membership attack",
                "section-plot",
            )
            + "</figure>"
        )
    attack_text = (
        "An attacker holding the synthetic data guesses that a record was used "
        "for training when a synthetic row lies close to it; its AUC over "
        f"{attack['rows_per_class']:,} training and as many holdout rows is "
        "0.5 when that says nothing."
        if attack is not None
        else "No holdout was given, so the membership attack was not run."
    )
    return f"""<section id="privacy">
<h2>Privacy <span class="badge {rating(score)}">{_format(score)}</span></h2>
<p class="lead">{_e(verdicts["privacy"])}</p>
{flag_list}
<p class="explain">Distances are Euclidean on one encoding of every column: numbers
by their rank among the real values, categories one-hot, so two different
categories, or the two ends of a numeric column, are 1 apart. The baseline is
{_e(section["baseline"])}: what new real data looks like. {_e(attack_text)}
The score is the weakest of three protections: distance (synthetic rows no
closer than fresh ones), copies, and the attack.</p>
<table class="scores compact"><thead><tr><th></th><th>Synthetic</th>
<th>Baseline</th></tr></thead><tbody>{table_rows}</tbody></table>
<div class="figures">{"".join(figures)}</div>
</section>"""


_SECTIONS: tuple[Callable[[QualityReport, dict[str, str]], str], ...] = (
    _shapes_section,
    _trends_section,
    _ml_section,
    _detection_section,
    _privacy_section,
)
_ML_METRICS = {
    "roc_auc": "ROC AUC",
    "accuracy": "accuracy",
    "balanced_accuracy": "balanced accuracy",
    "macro_f1": "macro F1",
    "r2": "R²",
    "mae": "mean absolute error",
    "rmse": "root mean squared error",
}
_MODEL_NAMES = {
    "linear": "linear model",
    "gradient_boosting": "gradient-boosting model",
}
_POOR = "#c62828"


def _number(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3f}"


def _formatted(value: float | None, fmt: str) -> str:
    return "n/a" if value is None else fmt.format(value)


def _image(png: bytes, alt: str, css_class: str) -> str:
    data = base64.b64encode(png).decode("ascii")
    return (
        f'<img class="{css_class}" alt="{_e(alt)}" src="data:image/png;base64,{data}">'
    )


def _meter(score: float, *, large: bool = False) -> str:
    size = " large" if large else ""
    return (
        f'<span class="meter{size}"><span class="track"><span class="fill '
        f'{rating(score)}" style="width:{_percent(score)}%"></span></span>'
        f'<span class="value">{_format(score)}</span></span>'
    )


def _format(score: float) -> str:
    return "n/a" if score is None or np.isnan(score) else f"{score:.1%}"


def _percent(score: float) -> str:
    return "0" if score is None or np.isnan(score) else f"{100 * score:.1f}"


def _share(value: float) -> str:
    return "n/a" if np.isnan(value) else f"{value:.1%}"


def _correlation(value: float) -> str:
    return "" if np.isnan(value) else f"{value:+.3f}"


def _e(value: Hashable | str | None) -> str:
    return html.escape("" if value is None else str(value))


_CSS = """
:root{--good:#2e7d32;--fair:#b26a00;--poor:#c62828;--none:#8a8f98;
--ink:#1f2328;--muted:#667085;--line:#e4e7ec;--page:#f4f5f7}
*{box-sizing:border-box}
body{margin:0;background:var(--page);color:var(--ink);line-height:1.45;
font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,
sans-serif}
.wrap{max-width:1240px;margin:0 auto;padding:0 28px}
header.top{background:#17212e;color:#f5f7fa;padding:30px 0 0}
.header-grid{display:flex;gap:32px;align-items:center}
.headline h1{margin:0 0 6px;font-size:28px;font-weight:650}
.headline .sub{margin:0;color:#c5ccd6;max-width:760px}
.headline .note{margin:8px 0 0;color:#ffd38a;font-size:14px}
.ring{--c:var(--none);width:150px;height:150px;border-radius:50%;flex:none;
background:conic-gradient(var(--c) calc(var(--p)*1%),#2f3b4b 0);
display:flex;align-items:center;justify-content:center}
.ring.good{--c:#4caf50}.ring.fair{--c:#f0a030}.ring.poor{--c:#ef5350}
.ring-inner{width:118px;height:118px;border-radius:50%;background:#17212e;
display:flex;flex-direction:column;align-items:center;justify-content:center}
.ring .big{font-size:30px;font-weight:700}.ring .small{font-size:13px;color:#aab4c0}
.properties{display:grid;grid-template-columns:repeat(auto-fit,minmax(300px,1fr));
gap:16px;margin-top:24px}
.property{display:block;background:#223044;border-radius:10px;padding:14px 18px;
color:inherit;text-decoration:none}
.property:hover{background:#2a3a51}
.property-title{font-size:14px;color:#aab4c0;text-transform:uppercase;letter-spacing:.04em}
.property .verdict{margin:8px 0 0;font-size:13.5px;color:#d7dde5}
nav.wrap{display:flex;gap:22px;padding-top:20px;padding-bottom:16px;font-size:14px}
nav a{color:#9cc3ff;text-decoration:none}
section{background:#fff;border:1px solid var(--line);border-radius:12px;
padding:22px 26px;margin:22px 0}
h2{margin:0 0 8px;font-size:22px;display:flex;align-items:center;gap:12px}
h3{margin:22px 0 8px;font-size:17px}
.lead{font-size:16px;margin:4px 0 6px}
.explain{color:var(--muted);font-size:13.5px;margin:0 0 14px;max-width:900px}
.badge{display:inline-block;border-radius:999px;padding:2px 10px;font-size:14px;
font-weight:650;color:#fff;background:var(--none)}
.badge.good{background:var(--good)}.badge.fair{background:var(--fair)}
.badge.poor{background:var(--poor)}
table.scores{border-collapse:collapse;width:100%;font-size:14px}
table.scores th{text-align:left;font-weight:600;color:var(--muted);
border-bottom:2px solid var(--line);padding:6px 10px}
table.scores td{border-bottom:1px solid var(--line);padding:5px 10px;
vertical-align:middle}
table.scores tbody tr:hover{background:#f8f9fb}
td.num{font-variant-numeric:tabular-nums;white-space:nowrap}
.muted{color:var(--muted);font-size:13px}
a{color:#1f5fbf}
.meter{display:inline-flex;align-items:center;gap:8px;white-space:nowrap}
.meter .track{width:110px;height:8px;background:#eceff3;border-radius:4px;
overflow:hidden}
.meter.large .track{width:100%;min-width:140px;height:10px;background:#33445c}
.meter.large{display:flex;font-size:22px;font-weight:700}
.meter .fill{display:block;height:100%;background:var(--none)}
.fill.good{background:var(--good)}.fill.fair{background:var(--fair)}
.fill.poor{background:var(--poor)}
.meter.large .fill.good{background:#4caf50}.meter.large .fill.fair{background:#f0a030}
.meter.large .fill.poor{background:#ef5350}
.meter .value{font-variant-numeric:tabular-nums;min-width:3.2em}
.legend{color:var(--muted);font-size:14px}
.swatch{display:inline-block;width:12px;height:12px;border-radius:2px;
margin:0 4px 0 10px;vertical-align:-1px}
.grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(540px,1fr));gap:16px;
align-items:start}
.card{border:1px solid var(--line);border-radius:10px;padding:10px 12px;background:#fff}
.card-head{display:flex;justify-content:space-between;align-items:center;gap:8px;
margin-bottom:6px}
.col-name{font-weight:650;font-size:16px;overflow-wrap:anywhere}
img{max-width:100%;height:auto;display:block}
.figures{display:flex;flex-wrap:wrap;gap:24px;align-items:flex-start}
figure{margin:0;flex:1 1 480px}
figure.wide{flex-basis:100%}
figure.wide img{max-width:900px}
figcaption{color:var(--muted);font-size:13.5px;margin-bottom:6px}
details{margin-top:14px}
summary{cursor:pointer;color:#1f5fbf}
ul.facts{padding-left:20px;margin:0}
ul.facts li{margin:4px 0}
ul.flags{margin:6px 0 12px;padding:10px 14px 10px 30px;background:#fdecea;
border-left:4px solid var(--poor);border-radius:6px;color:#7a1c16}
table.compact{width:auto;min-width:520px;margin-bottom:12px}
img.section-plot{max-width:640px}
"""

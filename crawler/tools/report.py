"""`crawler report`: one static, self-contained HTML page for the last run and the history.

Read from the run summaries (RUNS_DIR/*.json) and the feed files the last runs wrote. Charts are
Plotly with its JS inlined once (no network needed to view the page); the site table sorts and
filters with a few lines of inline JS.
"""

from __future__ import annotations

import html
import json
from collections import Counter
from pathlib import Path
from typing import Any

import plotly.graph_objects as go

from crawler.paths import resolve

COVERAGE_SHOWN = ("title", "published_at", "body", "summary", "event.start_date")


def load_runs(runs_dir: Path) -> list[dict[str, Any]]:
    runs = []
    for path in sorted(runs_dir.glob("*.json")):
        try:
            data = json.loads(path.read_text("utf-8"))
        except (OSError, ValueError):
            continue
        if isinstance(data, dict) and isinstance(data.get("sites"), list):
            runs.append(data)
    return runs


def _lines(files: list[str], limit: int = 50_000) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for name in files:
        try:
            text = resolve(name).read_text("utf-8")
        except OSError:
            continue
        for line in text.splitlines():
            try:
                row = json.loads(line)
            except ValueError:
                continue
            if isinstance(row, dict):
                out.append(row)
            if len(out) >= limit:
                return out
    return out


def _e(x: object) -> str:
    return html.escape(str(x), quote=True)


def _month_chart(items: list[dict[str, Any]]) -> go.Figure:
    counts: Counter[tuple[str, str]] = Counter()
    for it in items:
        if it.get("is_training") and it.get("published_at"):
            counts[(str(it["published_at"])[:7], it.get("province") or "(none)")] += 1
    fig = go.Figure()
    for province in sorted({p for _, p in counts}):
        months = sorted(m for m, p in counts if p == province)
        fig.add_bar(name=province, x=months, y=[counts[(m, province)] for m in months])
    fig.update_layout(barmode="stack", height=360, margin={"l": 40, "r": 10, "t": 30, "b": 40},
                      title="Training announcements per month, by province",
                      xaxis={"type": "category", "categoryorder": "category ascending"})
    return fig


def _sparkline(values: list[int]) -> go.Figure:
    fig = go.Figure(go.Scatter(y=values, mode="lines+markers", line={"width": 1.5}, marker={"size": 3}))
    fig.update_layout(height=40, width=140, margin={"l": 0, "r": 0, "t": 0, "b": 0}, showlegend=False,
                      xaxis={"visible": False}, yaxis={"visible": False}, plot_bgcolor="rgba(0,0,0,0)",
                      paper_bgcolor="rgba(0,0,0,0)")
    return fig


def _div(fig: go.Figure, div_id: str, first: bool) -> str:
    return str(fig.to_html(full_html=False, include_plotlyjs=first, div_id=div_id,
                           config={"displayModeBar": False, "staticPlot": fig.layout.height == 40}))


def _last_ok(runs: list[dict[str, Any]], site: str) -> str:
    for run in reversed(runs):
        for s in run["sites"]:
            if s.get("site") == site and s.get("verdict") in ("ok", "quiet"):
                return str(run.get("run_id", ""))
    return "never"


def render(runs: list[dict[str, Any]]) -> str:
    """The page for the last run of `runs` (oldest first) and their history."""
    last = runs[-1]
    items = _lines(sorted({f for run in runs for f in run.get("feed_files", [])}))
    optional = any(s.get("model_disagrees") is not None for s in last["sites"])
    head = ["site", "verdict", "pages", "new items", "training", "drops", "errors",
            *[f"{c} %" for c in COVERAGE_SHOWN], "last good run", "monitors failed", "warnings", "items over runs"]
    if optional:  # a column only when some site's stats carry relevance/model_disagrees
        head.insert(-1, "model disagrees")
    rows = []
    for i, s in enumerate(last["sites"]):
        series = [next((int(x.get("items", 0)) for x in run["sites"] if x.get("site") == s["site"]), 0)
                  for run in runs]
        cov = s.get("coverage") or {}
        cells = [
            _e(s["site"]), f'<span class="v-{_e(s["verdict"])}">{_e(s["verdict"])}</span>', s.get("pages", 0),
            s.get("items", 0), s.get("training_items", 0),
            _e(", ".join(f"{k}={v}" for k, v in sorted((s.get("drops") or {}).items()))),
            sum((s.get("errors") or {}).values()),
            *[(f"{round(100 * cov[c])}" if c in cov else "") for c in COVERAGE_SHOWN],
            _e(_last_ok(runs, s["site"])), _e("; ".join(s.get("monitors") or [])),
            _e("; ".join(s.get("warnings") or [])),
        ]
        if optional:
            cells.append(s.get("model_disagrees") if s.get("model_disagrees") is not None else "")
        cells.append(_div(_sparkline(series), f"spark-{i}", False))
        tds = (f'<td class="n">{c}</td>' if isinstance(c, int) or str(c).isdigit() else f"<td>{c}</td>"
               for c in cells)
        rows.append(f'<tr data-site="{_e(s["site"])}">' + "".join(tds) + "</tr>")
    newest: dict[str, dict[str, Any]] = {}  # one per announcement id: its latest line
    for it in items:
        newest[str(it.get("id") or it.get("url"))] = it
    latest = sorted((it for it in newest.values() if it.get("is_training")),
                    key=lambda it: str(it.get("published_at") or ""), reverse=True)[:30]
    news = "".join(f'<li><a href="{_e(it.get("url", ""))}">{_e(it.get("title", ""))}</a> — '
                   f'{_e(it.get("site_name") or it.get("site"))}, {_e(it.get("published_at") or "undated")}</li>'
                   for it in latest)
    totals = last.get("totals", {})
    verdicts = ", ".join(f"{k} {v}" for k, v in (totals.get("verdicts") or {}).items())
    chart = _div(_month_chart(items), "chart-months", True)
    return PAGE.format(
        run=_e(last.get("run_id", "")), runs=len(runs), sites=totals.get("sites", 0), verdicts=_e(verdicts),
        new=totals.get("new_items", 0), pages=totals.get("pages", 0), chart=chart,
        head="".join(f'<th data-col="{i}">{_e(h)}</th>' for i, h in enumerate(head)), rows="".join(rows),
        news=news or "<li>none in the runs' files</li>")


def write_report(runs_dir: Path, out: Path) -> Path:
    runs = load_runs(runs_dir)
    if not runs:
        raise FileNotFoundError(f"no run summary in {runs_dir}: run `scrapy crawlall` first")
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(".html.tmp")
    tmp.write_text(render(runs), "utf-8")
    tmp.replace(out)
    return out


PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>taphuan-crawler run {run}</title>
<style>
body{{font-family:system-ui,sans-serif;margin:1.2em;color:#222}}
table{{border-collapse:collapse;font-size:13px}} th,td{{border:1px solid #ddd;padding:3px 6px;vertical-align:middle}}
th{{background:#f3f3f3;cursor:pointer;position:sticky;top:0}} td.n{{text-align:right}}
.v-ok{{color:#176f2c}} .v-quiet{{color:#555}} .v-degraded{{color:#a86400;font-weight:bold}}
.v-failed{{color:#b00020;font-weight:bold}} .v-skipped{{color:#777}}
</style></head><body>
<h1>Crawl run {run}</h1>
<p id="totals">{sites} site(s): {verdicts}; {pages} pages; {new} new item(s). History: {runs} run(s).</p>
{chart}
<h2>Sites</h2>
<p><input id="filter" placeholder="filter sites, verdicts, monitors…" size="40"></p>
<table id="sites"><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>
<h2>Latest training announcements</h2>
<ul id="latest">{news}</ul>
<script>
(function(){{
  var table=document.getElementById('sites'), body=table.tBodies[0];
  document.getElementById('filter').addEventListener('input',function(e){{
    var q=e.target.value.toLowerCase();
    Array.prototype.forEach.call(body.rows,function(r){{r.style.display=r.textContent.toLowerCase().indexOf(q)<0?'none':'';}});
  }});
  Array.prototype.forEach.call(table.tHead.rows[0].cells,function(th){{
    th.addEventListener('click',function(){{
      var col=+th.dataset.col, asc=th.dataset.asc!=='1'; th.dataset.asc=asc?'1':'0';
      var rows=Array.prototype.slice.call(body.rows);
      rows.sort(function(a,b){{
        var x=a.cells[col].textContent.trim(), y=b.cells[col].textContent.trim(), nx=parseFloat(x), ny=parseFloat(y);
        var c=(!isNaN(nx)&&!isNaN(ny))?nx-ny:x.localeCompare(y); return asc?c:-c;}});
      rows.forEach(function(r){{body.appendChild(r);}});
    }});
  }});
}})();
</script></body></html>
"""

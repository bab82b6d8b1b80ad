import html
import json
import re

import pytest

from infoflow.report import build_summary, write_report
from infoflow.report._render import SECTION_TITLES, _fmt
from tests.report.browser import CHROMIUM, body_attr, load_in_browser

SECTIONS = tuple(SECTION_TITLES)


def _tables(page: str) -> list[tuple[str, str]]:
    return [(html.unescape(k), html.unescape(v)) for k, v in re.findall(r"<tr><th>(.*?)</th><td>(.*?)</td></tr>", page)]


def test_report_numbers_equal_summary(tiny_run):
    out, _ = tiny_run
    summary = json.loads((out / "summary.json").read_text())
    page = (out / "report.html").read_text()
    rows = dict(_tables(page))
    expected = {**{k: _fmt(v) for k, v in summary["setup"].items()},
                **{k: _fmt(v) for sec in SECTIONS for k, v in summary[sec]["table"].items()}}
    assert expected, "the summary has numbers to show"
    for key, value in expected.items():
        assert rows[key] == value, key
    for sec in SECTIONS:
        assert summary[sec]["sentence"] in html.unescape(page)
        assert f'id="{sec}"' in page


def test_report_states_units_and_has_every_figure(tiny_run):
    out, _ = tiny_run
    page = (out / "report.html").read_text()
    assert "<b>nats</b>" in page.split("<section", 1)[0]
    for stem in ("losses", "flow_matrix", "flow_graph", "progression_histograms", "f0_over_training", "layers",
                 "information_plane", "neuron_ix_iy", "indicators", "gradient_snr", "flow_matrix_tdmi",
                 "flow_graph_tdmi", "layers_tdmi", "untrained_comparison"):
        assert f'id="fig-{stem}"' in page, stem
        assert (out / "figures" / f"{stem}.png").exists()
    assert page.count("<figcaption>") >= 10


def test_both_measures_rows_are_shown_and_equal_summary(tiny_run):
    """Q1 and Q2 answer for TE and the seed's TDMI - MI, with untrained-network and graph-null tests."""
    out, _ = tiny_run
    summary = json.loads((out / "summary.json").read_text())
    page = html.unescape((out / "report.html").read_text())
    rows = dict(_tables((out / "report.html").read_text()))
    for sec in ("q1_direction", "q2_layers"):
        table = summary[sec]["table"]
        for label in ("TE", "TDMI - MI"):
            mine = {k: v for k, v in table.items() if label in k and not (label == "TE" and "TDMI" in k)}
            assert any("untrained" in k and "p-value" in k for k in mine), (sec, label)
            assert any("graph null" in k or "layering p-value" in k for k in mine), (sec, label)
            for k, v in mine.items():
                assert rows[k] == _fmt(v), k
        assert summary[sec]["agreement"] in page
    q1 = summary["q1_direction"]["table"]
    assert {"F0, TDMI - MI (trained, seed 0)", "F0, TDMI - MI: p-value (graph null, seed 0)",
            "F0, TDMI - MI: p-value vs untrained networks", "F0, TE: p-value vs untrained networks"} <= set(q1)
    assert "TDMI - MI" in page and "TDMI" in summary["q1_direction"]["sentence"]


def test_summary_is_rebuilt_identically(tiny_run):
    out, _ = tiny_run
    saved = json.loads((out / "summary.json").read_text())
    rebuilt = build_summary(out)
    rebuilt["figures"] = saved["figures"]
    assert json.loads(json.dumps(rebuilt)) == saved


def test_missing_stages_are_marked_unavailable(tmp_path):
    (tmp_path / "empty").mkdir()
    write_report(tmp_path / "empty")
    s = json.loads((tmp_path / "empty" / "summary.json").read_text())
    assert all(s[k]["answer"] == "unavailable" and s[k]["notes"] for k in SECTIONS)
    with pytest.raises(FileNotFoundError):
        write_report(tmp_path / "nope")


def test_metrics_without_persistence_baseline(tmp_path):
    """A metrics.csv without the persistence column (older runs) gives "n/a", not a crash."""
    (tmp_path / "config.json").write_text(json.dumps({"arch": "fully_recurrent", "n_units": 4}))
    (tmp_path / "metrics.csv").write_text("epoch,train_loss,val_loss,test_loss\n0,1.0,1.0,1.0\n1,0.5,0.6,0.7\n")
    s = build_summary(tmp_path)
    text = json.dumps(s)
    assert '"beats persistence": "n/a"' in text and '"test MSE (standardised), mean over seeds": 0.7' in text


def test_corrupt_result_file_gives_clear_error(tmp_path):
    (tmp_path / "dynamics.json").write_text("{not json")
    with pytest.raises(ValueError, match="dynamics.json is corrupt"):
        build_summary(tmp_path)


@pytest.mark.browser
@pytest.mark.skipif(CHROMIUM is None, reason="headless Chromium is not installed (.ci/run installs it)")
def test_report_renders_in_chromium(tiny_run):
    out, _ = tiny_run
    dom, console = load_in_browser(out / "report.html")
    assert console == [], console
    assert body_attr(dom, "data-errors") == "0"
    n_images = int(body_attr(dom, "data-images"))
    assert n_images >= 10 and body_attr(dom, "data-images-broken") == "0"
    for sec in ("setup", *SECTIONS, "methods"):
        assert f'id="{sec}"' in dom

"""The user docs (docs/*.md) name only things that exist: public ``infoflow.*`` names, names imported
in their code blocks, and links to other pages and headings. design.md (the contributors' contract)
is left out: it is owned and checked elsewhere."""

from __future__ import annotations

import importlib
import re
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parents[1] / "docs"
PAGES = sorted(p for p in DOCS.glob("*.md") if p.name != "design.md")

DOTTED = re.compile(r"`(infoflow(?:\.[A-Za-z_][A-Za-z0-9_]*)+)")
FROM_IMPORT = re.compile(r"^\s*from\s+(infoflow(?:\.\w+)*)\s+import\s+([\w\s,]+)$", re.M)
LINK = re.compile(r"\]\(([^)\s]+\.md)(?:#([\w-]+))?\)")


def _resolve(dotted: str) -> object:
    """Import the longest module prefix of `dotted`, then walk the remaining attributes."""
    parts = dotted.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:cut]))
        except ModuleNotFoundError:
            continue
        for attr in parts[cut:]:
            obj = getattr(obj, attr)  # AttributeError: the docs name something that does not exist
        return obj
    raise ModuleNotFoundError(dotted)


def _slug(heading: str) -> str:
    """GitHub's anchor for a Markdown heading."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


def test_pages_exist():
    assert {p.name for p in PAGES} >= {"index.md", "concepts.md", "tutorial.md", "case_study.md", "pitfalls.md",
                                       "cli.md"}


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_dotted_names_exist(page):
    names = sorted(set(DOTTED.findall(page.read_text("utf-8"))))
    for name in names:
        assert not any(part.startswith("_") for part in name.split(".")), \
            f"{page.name} points users at a private name: {name}"
        try:
            _resolve(name)
        except (AttributeError, ModuleNotFoundError) as exc:
            pytest.fail(f"{page.name} names `{name}`, which does not exist ({exc})")


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_imports_in_code_blocks_exist(page):
    for module, names in FROM_IMPORT.findall(page.read_text("utf-8")):
        mod = importlib.import_module(module)
        for name in (n.strip() for n in names.split(",")):
            if name:
                assert hasattr(mod, name), f"{page.name}: `from {module} import {name}` fails"


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_links_resolve(page):
    for target, anchor in LINK.findall(page.read_text("utf-8")):
        path = DOCS / target
        assert path.exists(), f"{page.name} links to missing page {target}"
        if anchor:
            headings = re.findall(r"^#+\s+(.*)$", path.read_text("utf-8"), re.M)
            assert anchor in {_slug(h) for h in headings}, f"{page.name}: no heading #{anchor} in {target}"


def test_checks_can_fail():
    """The resolver really rejects a misspelt name (guards against a test that passes vacuously)."""
    with pytest.raises(AttributeError):
        _resolve("infoflow.flow.information_flo")
    assert _slug("A shared driver: the daily cycle") == "a-shared-driver-the-daily-cycle"
    assert DOTTED.findall("see `infoflow.data.delay_chain` and `infoflow.flow.information_flow(x)`") == [
        "infoflow.data.delay_chain", "infoflow.flow.information_flow"]


def test_index_table_names_are_public():
    """Each row of the pipeline table: the functions listed belong to that row's package's __all__."""
    rows = re.findall(r"^\| [^|]+ \| `(infoflow\.\w+)` \| ([^|]+) \|", (DOCS / "index.md").read_text("utf-8"), re.M)
    assert len(rows) >= 9
    for package, cell in rows:
        mod = importlib.import_module(package)
        for name in re.findall(r"`(\w+)`", cell):
            assert name in mod.__all__, f"index.md lists `{name}` under {package}, which does not export it"


def test_cli_page_options_exist():
    """Every command and --option in docs/cli.md exists in the typer app."""
    import typer.main

    from infoflow.cli import app

    group = typer.main.get_command(app)
    text = (DOCS / "cli.md").read_text("utf-8")
    sections = re.split(r"^## `infoflow (\w+)[^`]*`", text, flags=re.M)
    documented = dict(zip(sections[1::2], sections[2::2]))
    assert set(documented) == set(group.commands), "cli.md must document exactly the commands the app has"
    for name, body in documented.items():
        cmd = group.commands[name]
        known = {o for p in cmd.params for o in (*p.opts, *p.secondary_opts)}
        for cell in re.findall(r"^\| `([^|]*)` \|", body, re.M):
            for opt in re.findall(r"(?<![\w-])--[a-z][a-z-]*", cell):
                assert opt in known, f"cli.md documents {opt} for `infoflow {name}`, which has no such option"


def test_readme_names_the_pip_package():
    """The README names the distribution users install (pyproject's [project] name)."""
    import tomllib

    root = DOCS.parent
    name = tomllib.loads((root / "pyproject.toml").read_text("utf-8"))["project"]["name"]
    assert f"`{name}`" in (root / "README.md").read_text("utf-8")


def test_quick_is_described_as_it_is():
    """docs/cli.md and `run --help` describe --quick by what quick_options changes (not the unit count)."""
    from infoflow.pipeline import RunOptions

    quick, full = RunOptions.quick_options(), RunOptions()
    text = (DOCS / "cli.md").read_text("utf-8")
    row = next(line for line in text.splitlines() if line.startswith("| `--quick` |"))
    assert f"{quick.train.epochs} epochs" in row and f"{quick.surrogates} surrogates" in row
    if quick.train.n_units == full.train.n_units:
        assert "fewer units" not in row and f"same {quick.train.n_units} units" in row
    import typer.main

    from infoflow.cli import app

    run = typer.main.get_command(app).commands["run"]
    help_text = next(p.help for p in run.params if p.name == "quick")
    assert ("fewer units" in help_text) == (quick.train.n_units < full.train.n_units)


def test_cli_defaults_in_docs_match_the_app():
    """The default column of docs/cli.md agrees with the app for numeric and choice options."""
    import typer.main

    from infoflow.cli import app

    group = typer.main.get_command(app)
    text = (DOCS / "cli.md").read_text("utf-8")
    sections = dict(zip(*[iter(re.split(r"^## `infoflow (\w+)[^`]*`", text, flags=re.M)[1:])] * 2))
    checked = 0
    for name, body in sections.items():
        params = {o: p for p in group.commands[name].params for o in p.opts}
        for opt, default in re.findall(r"^\| `(--[a-z-]+)[^`]*` \| `?([\w.]+)`? \|", body, re.M):
            p = params.get(opt)
            if p is None or p.default is None or isinstance(p.default, bool):
                continue
            value = getattr(p.default, "value", p.default)
            if isinstance(value, (int, float, str)) and not isinstance(value, bool):
                assert str(value) == default or (isinstance(value, float) and float(default) == value), \
                    f"cli.md says {name} {opt} defaults to {default}; the app says {value}"
                checked += 1
    assert checked >= 10

"""CLI test of `infoflow datasets`."""

from typer.testing import CliRunner

from infoflow.cli import app
from infoflow.data import list_datasets


def test_datasets_lists_every_bundled_series():
    result = CliRunner().invoke(app, ["datasets"], catch_exceptions=False)
    assert result.exit_code == 0
    for info in list_datasets():
        assert info.name in result.output
    assert "temperature" in result.output


def test_datasets_rejects_arguments():
    result = CliRunner().invoke(app, ["datasets", "extra"], catch_exceptions=False)
    assert result.exit_code == 2

"""``infoflow datasets``: list the bundled series (cli over :func:`infoflow.data.list_datasets`)."""

from __future__ import annotations

from rich.table import Table

from infoflow.cli._common import app, console, handle_errors


@app.command("datasets")
@handle_errors
def datasets_command() -> None:
    """List the bundled time series that `infoflow train --dataset NAME` can use."""
    from infoflow.data import list_datasets

    table = Table(title="Bundled datasets (hourly)", title_justify="left")
    table.add_column("name", no_wrap=True)  # the name is what users type: never broken
    for column in ("hours", "channels", "station", "licence"):
        table.add_column(column, overflow="fold")
    for info in list_datasets():
        table.add_row(info.name, str(info.n_hours), ", ".join(info.channels), info.station, info.licence)
    console.print(table)
    console.print("Use one with: infoflow train --dataset NAME [--channels a,b]. The first channel is the target.")

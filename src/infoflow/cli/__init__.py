"""The ``infoflow`` command line (typer). The only package that imports typer or rich.

Each command lives in its own module and registers itself on :data:`app`; this file only
assembles them. Commands stay thin: parse options, call one library function, render.
"""

from __future__ import annotations

import importlib
import pkgutil

from infoflow.cli._common import app

# Import every command module (cli/cmd_*.py) so its @app.command() runs.
for _mod in sorted(m.name for m in pkgutil.iter_modules(__path__) if m.name.startswith("cmd_")):
    importlib.import_module(f"{__name__}.{_mod}")


def main() -> None:
    app()


__all__ = ["app", "main"]

"""Saving figures for the report: PNG + SVG files in ``figures/`` and an inline <figure> block.

The HTML embeds PNGs as base64 so ``report.html`` is one self-contained file; the SVGs sit beside
it for papers and slides.
"""

from __future__ import annotations

import base64
import html
import io
from pathlib import Path

from infoflow._io import atomic_write_bytes


def save_figure(fig, figures_dir: Path, name: str, caption: str, *, dpi: int = 110) -> str:
    """Write ``name.png`` and ``name.svg`` atomically, close `fig`, return an HTML <figure> block."""
    import matplotlib.pyplot as plt

    figures_dir = Path(figures_dir)
    png = io.BytesIO()
    fig.savefig(png, format="png", dpi=dpi, bbox_inches="tight")
    svg = io.BytesIO()
    fig.savefig(svg, format="svg", bbox_inches="tight")
    plt.close(fig)
    atomic_write_bytes(figures_dir / f"{name}.png", png.getvalue())
    atomic_write_bytes(figures_dir / f"{name}.svg", svg.getvalue())
    return figure_block(png.getvalue(), name, caption)


def figure_block(png: bytes, name: str, caption: str) -> str:
    """An HTML <figure> with the PNG inlined as base64 and `caption` below it."""
    b64 = base64.b64encode(png).decode("ascii")
    cap = html.escape(caption)
    return (f'<figure id="fig-{html.escape(name)}"><img alt="{cap}" src="data:image/png;base64,{b64}">'
            f"<figcaption>{cap}</figcaption></figure>")

"""Figures as base64 PNG text for JSON responses, drawn one at a time (pyplot is not thread-safe)."""

from __future__ import annotations

import base64
import io
import threading
from collections.abc import Callable

#: Resolution of the PNGs (dots per inch).
DPI = 100
_PYPLOT = threading.Lock()


def png_base64(draw: Callable[[], object]) -> str:
    """The figure that ``draw()`` returns (a matplotlib figure) as base64 PNG text; the figure is closed.

    ``draw`` selects matplotlib's Agg backend (the pbpk.mipd figure functions do) before pyplot is imported here.
    """
    buffer = io.BytesIO()
    with _PYPLOT:
        figure = draw()
        import matplotlib.pyplot as plt

        try:
            figure.savefig(buffer, format="png", dpi=DPI)
        finally:
            plt.close(figure)
    return base64.b64encode(buffer.getvalue()).decode("ascii")

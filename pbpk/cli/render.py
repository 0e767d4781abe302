"""Output helpers shared by the commands: JSON on stdout and figures written to a file."""

from __future__ import annotations

import json
from collections.abc import Callable


def print_json(data: object) -> None:
    """``data`` as indented JSON on stdout."""
    print(json.dumps(data, indent=2))


def write_figure(plot: Callable[[str], object], path: str | None) -> None:
    """Call ``plot(path)`` (a method that saves and returns a matplotlib figure) and close the figure."""
    if path is None:
        return
    import matplotlib.pyplot as plt

    plt.close(plot(path))

"""Checks of the command line made before anything is computed: output paths and options without effect.

Each raises :class:`~pbpk.core.errors.PbpkInputError` naming the option, the value and what was expected.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from pbpk.core.errors import PbpkInputError

FIGURE = (".png", ".svg", ".pdf")
CSV = (".csv",)
SBML = (".xml", ".sbml")


def _either(suffixes: tuple[str, ...]) -> str:
    return suffixes[0] if len(suffixes) == 1 else f"{', '.join(suffixes[:-1])} or {suffixes[-1]}"


def check_output_file(option: str, path: str | None, suffixes: tuple[str, ...]) -> None:
    """``path`` (if given) ends in one of ``suffixes`` and can be written in an existing folder."""
    if path is None:
        return
    target = Path(path)
    if target.suffix.lower() not in suffixes:
        raise PbpkInputError(option, "", path, f"a file ending in {_either(suffixes)}")
    if target.is_dir():
        raise PbpkInputError(option, "", path, f"a file ending in {_either(suffixes)}, not a folder")
    folder = target.parent
    if not folder.is_dir():
        raise PbpkInputError(option, "", path, "a file in an existing folder",
                             f"create the folder {folder} first, or write elsewhere")
    if not os.access(folder, os.W_OK):
        raise PbpkInputError(option, "", path, "a file in a folder you can write to")


def check_output_files(outputs: dict[str, tuple[str | None, tuple[str, ...]]]) -> None:
    """Every output of a command (option → (path, suffixes)), and no two options writing the same file."""
    seen: dict[Path, str] = {}
    for option, (path, suffixes) in outputs.items():
        check_output_file(option, path, suffixes)
        if path is None:
            continue
        resolved = Path(path).resolve()
        if resolved in seen:
            raise PbpkInputError(option, "", path, f"a file other than that of {seen[resolved]}",
                                 "one would overwrite the other")
        seen[resolved] = option


def check_report_folder(option: str, path: str | None) -> None:
    """A report folder: an existing folder, or one that can be created (in a folder you can write to)."""
    if path is None:
        return
    target = Path(path)
    expected = "a folder (report.md, report.html and figures/ are written into it)"
    if target.suffix.lower() in (".html", ".md"):
        raise PbpkInputError(option, "", path, expected)
    existing = target
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if not existing.is_dir():
        raise PbpkInputError(option, "", path, expected, f"{existing} is a file")
    if not os.access(existing, os.W_OK):
        raise PbpkInputError(option, "", path, f"{expected} in a folder you can write to")


def check_regimen(args: argparse.Namespace, *, interval_alone: bool = False) -> None:
    """``--route --infusion-time --every --doses`` agree; ``interval_alone``: ``--every`` counts with one dose."""
    if args.doses < 1:
        raise PbpkInputError("--doses", "", args.doses, "a number of doses of 1 or more")
    if args.doses > 1 and args.every is None:
        raise PbpkInputError("--doses", "", args.doses, "a dosing interval with repeated doses: --every, e.g. 12h")
    if args.every is not None and args.doses == 1 and not interval_alone:
        raise PbpkInputError("--every", "", args.every, "--doses 2 or more with a dosing interval (here --doses 1)",
                             "add --doses N, or leave out --every")
    if args.route == "infusion" and not args.infusion_time:
        raise PbpkInputError("--infusion-time", "", None, "a duration with --route infusion, e.g. --infusion-time 1h")
    if args.infusion_time is not None and args.route != "infusion":
        raise PbpkInputError("--infusion-time", "", args.infusion_time,
                             f"--route infusion (route {args.route} has no infusion duration)",
                             "add --route infusion, or leave out --infusion-time")


def column_renames(texts: list[str]) -> dict[str, str]:
    """``--rename COLUMN=NAME`` options as a mapping, each checked."""
    renames = {}
    for text in texts:
        column, equals, name = text.partition("=")
        if not equals or not column.strip() or not name.strip():
            raise PbpkInputError("--rename", "", text, 'COLUMN=NAME, e.g. "AMT_mg=AMT"')
        renames[column.strip()] = name.strip()
    return renames

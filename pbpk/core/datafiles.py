"""Where the bundled data folders are, installed or in a source checkout.

The folders ``physiology_db/``, ``compounds/``, ``ddi/``, ``validation_cases/``
and ``poppk_models/`` sit at the top of the repository and ship inside the
wheel as ``pbpk/_data/<folder>``. Files are YAML, except the popPK models (JSON).
"""

from __future__ import annotations

from pathlib import Path

from pbpk.core.errors import PbpkInputError, did_you_mean

_PACKAGE = Path(__file__).resolve().parent.parent  # the pbpk package folder
DATA_FOLDERS = ("physiology_db", "compounds", "ddi", "validation_cases", "poppk_models", "pd_models", "trials")
SUFFIX = {"poppk_models": ".json"}


def data_dir(folder: str) -> Path:
    """Path of a bundled data folder (installed copy first, then the checkout).

    >>> data_dir("compounds").name
    'compounds'
    """
    if folder not in DATA_FOLDERS:
        raise ValueError(f"unknown data folder {folder!r}; expected one of {DATA_FOLDERS}")
    for candidate in (_PACKAGE / "_data" / folder, _PACKAGE.parent / folder):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"pbpk's data folder {folder!r} is missing from {_PACKAGE}; reinstall pbpk")


def bundled_names(folder: str) -> list[str]:
    """Names (file stems) of the data files (YAML; JSON for popPK models) in a bundled data folder."""
    return sorted(path.stem for path in data_dir(folder).glob(f"*{SUFFIX.get(folder, '.yaml')}"))


def resolve(folder: str, name_or_path: str | Path) -> Path:
    """A path as given, or the bundled file ``<folder>/<name>.yaml`` (``.json``) for a bare name.

    ``resolve("compounds", "midazolam")`` finds the bundled midazolam file even
    when pbpk was installed from a wheel and no checkout is around.
    """
    path = Path(name_or_path)
    if path.exists():
        return path
    if path.suffix == "" and path.parent == Path("."):
        bundled = data_dir(folder) / f"{path.name}{SUFFIX.get(folder, '.yaml')}"
        if bundled.exists():
            return bundled
    names = bundled_names(folder)
    hint = did_you_mean(path.stem, names)
    listed = f" ({', '.join(names)})" if len(names) <= 20 else f" ({len(names)} files in {data_dir(folder)})"
    raise PbpkInputError(
        str(name_or_path), "", str(name_or_path),
        f"an existing file, or the name of a bundled file in {folder}/{listed}",
        hint,
    )


def display_path(path: Path) -> str:
    """A path as users should see it in messages: relative to the working folder when inside it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def matching_files(folder: str, pattern: str | None, what: str) -> list[Path]:
    """YAML files to run: every bundled file of ``folder``, bundled ids matching a glob
    (``"midazolam-*"``), one file, a folder of files, or a glob of paths (``"mine/*-iv-*.yaml"``)."""
    if pattern is None:
        paths = sorted(data_dir(folder).glob("*.yaml"))
    else:
        path = Path(pattern)
        if path.is_dir():
            paths = sorted(path.glob("*.yaml"))
        elif path.is_file():
            paths = [path]
        elif len(path.parts) > 1:
            paths = sorted(path.parent.glob(path.name))
        else:
            paths = sorted(data_dir(folder).glob(pattern.removesuffix(".yaml") + ".yaml"))
    if not paths:
        raise PbpkInputError(folder, what, pattern, f"a {what[:-1]} id glob, file or folder that matches at least one",
                             f"bundled {what} are in {data_dir(folder)}")
    return paths

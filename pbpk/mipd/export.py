"""One entry point for writing a population model in each engine's format.

=========  ==============================  =====================================================
format     files                           module
=========  ==============================  =====================================================
json       the project's file (.json)      ``modelfile`` (``docs/priors-format.md``)
nonmem     control stream (.ctl or .mod)   ``nonmem``
mrgsolve   model code for mapbayr (.cpp)   ``mrgsolve``
tucuxi     drug model (.tdd)               ``tucuxi``
pkpdsim    model definition (.json5)       ``pkpdsim``
pmetrics   support points (.csv) and the   ``pmetrics`` (the model file is written beside the
           model file (``<name>.txt``)     points, with the same name and ``.txt``)
=========  ==============================  =====================================================
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from pbpk.core.errors import PbpkInputError
from pbpk.mipd.nonmem import NonmemPrior
from pbpk.mipd.popmodel import PopulationModel

#: Format → accepted file suffixes (the first is the one to suggest).
SUFFIXES = {"json": (".json",), "nonmem": (".ctl", ".mod"), "mrgsolve": (".cpp",), "tucuxi": (".tdd",),
            "pkpdsim": (".json5",), "pmetrics": (".csv",)}
FORMATS = tuple(SUFFIXES)
#: Formats that take a modelled infusion duration or rate (Dn, Rn with RATE −2, −1 in the data).
MODELLED_INFUSIONS = ("json", "nonmem", "mrgsolve")


def _writers(format: str, prior: NonmemPrior | None) -> list[tuple[str, Callable[[PopulationModel], str]]]:
    """(suffix to replace the output's, or "" to keep it; writer) for ``format``; engine modules load on demand."""
    if format == "json":
        from pbpk.mipd.modelfile import poppk_to_dict

        return [("", lambda model: json.dumps(poppk_to_dict(model), indent=2, ensure_ascii=False) + "\n")]
    if format == "nonmem":
        from pbpk.mipd.nonmem import control_stream

        return [("", lambda model: control_stream(model, prior=prior))]
    if format == "mrgsolve":
        from pbpk.mipd.mrgsolve import model_code

        return [("", model_code)]
    if format == "tucuxi":
        from pbpk.mipd.tucuxi import drug_model

        return [("", drug_model)]
    if format == "pkpdsim":
        from pbpk.mipd.pkpdsim import model_definition

        return [("", model_definition)]
    from pbpk.mipd.pmetrics import model_file, support_points_csv

    return [("", support_points_csv), (".txt", model_file)]


def export(model: PopulationModel, format: str, path: str | Path, *, nonmem_prior: NonmemPrior | None = None
           ) -> list[Path]:
    """Write ``model`` as ``format`` to ``path`` (and its companion files); returns the paths written.

    ``nonmem_prior``: write the NONMEM stream as a population fit under ``$PRIOR NWPRI``.

    Every text is made before any file is written, so a model the engine cannot take leaves no file.
    """
    if format not in SUFFIXES:
        raise PbpkInputError("export", "format", format, "one of " + ", ".join(FORMATS))
    path = Path(path)
    if path.suffix.lower() not in SUFFIXES[format]:
        raise PbpkInputError("export", "path", str(path), f"a file ending in {' or '.join(SUFFIXES[format])} "
                             f"for the {format} format")
    modelled = [name for name in model.code.assigned if name in model.structure.optional and name[0] in "DR"]
    if modelled and format not in MODELLED_INFUSIONS:
        raise PbpkInputError("export", "format", format, f"{' or '.join(MODELLED_INFUSIONS)} for {model.name}, whose "
                             f"code gives a modelled infusion duration or rate ({', '.join(modelled)}) that {format} "
                             "cannot express")
    if nonmem_prior is not None and format != "nonmem":
        raise PbpkInputError("export", "nonmem_prior", nonmem_prior, "the nonmem format for a $PRIOR NWPRI stream")
    texts = [(path.with_suffix(suffix) if suffix else path, writer(model))
             for suffix, writer in _writers(format, nonmem_prior)]
    for target, text in texts:
        target.write_text(text, encoding="utf-8")
    return [target for target, _ in texts]

"""``pbpk compound FILE [--json]``: validate a compound file and print it with units and sources."""

from __future__ import annotations

import argparse
import dataclasses
from typing import TYPE_CHECKING

import pbpk.cli.options as options
from pbpk.cli.render import print_json

if TYPE_CHECKING:  # pragma: no cover
    from pbpk.compound import Compound
    from pbpk.core.records import Cited


def add_parser(commands: argparse._SubParsersAction) -> None:
    """The ``compound`` command."""
    parser = commands.add_parser("compound", help="validate a compound file and print it with units and sources",
                                 parents=[options.compound_file(), options.json_output()])
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Load the compound; print it as text or JSON."""
    from pbpk.compound import load_compound

    compound = load_compound(args.file)
    if args.json:
        print_json(_compound_json(compound))
    else:
        print(_compound_text(compound))
    return 0


def _value_text(value: object) -> str:
    if hasattr(value, "units"):
        return f"{value.magnitude:g} {value.units:~P}"
    return f"{value:g}" if isinstance(value, float) else str(value)


def _cited_line(label: str, cited: Cited | None) -> str:
    if cited is None:
        return f"  {label}: -"
    fitted = f"  [fitted to {cited.fitted_to}]" if cited.fitted_to else ""
    return f"  {label}: {_value_text(cited.value)}{fitted}\n      source: {cited.source}"


def _compound_text(c: Compound) -> str:
    lines = [f"{c.name}  ({c.file})", _cited_line("molecular weight", c.molecular_weight)]
    if c.logP is not None:
        lines.append(_cited_line("logP", c.logP))
    if c.logD74 is not None:
        lines.append(_cited_line("logD7.4", c.logD74) + f"\n      (logP of the neutral species derived: {c.log_p:.2f})")
    for pka in c.pka:
        lines.append(f"  pKa: {pka.value:g} ({pka.kind})\n      source: {pka.source}")
    lines.append(_cited_line("fu in plasma", c.fu_plasma) + f"\n      binding protein: {c.binding_protein}")
    if c.blood_plasma_ratio is not None:
        lines.append(_cited_line("blood:plasma ratio", c.blood_plasma_ratio))
    else:
        lines.append(f"  blood:plasma ratio: predicted ({c.blood_plasma_method})")
    lines.append(f"  partition method: {c.partition_method}")
    if c.kp_scale is not None:
        lines.append(_cited_line("Kp scale", c.kp_scale))
    lines += _clearance_lines(c)
    absorption = c.absorption
    if absorption is not None:
        parts = [f"model {absorption.model}"]
        for name in ("ka", "fa", "fg", "permeability", "solubility"):
            value = getattr(absorption, name)
            if value is not None:
                parts.append(f"{name} {_value_text(value)}")
        if absorption.solubility_ph is not None:
            parts[-1] += f" @ pH {absorption.solubility_ph:g}"
        lines.append(f"  absorption: {', '.join(parts)}\n      source: {absorption.source}")
    for interaction in c.interactions:
        constants = ", ".join(
            f"{label} {_value_text(getattr(interaction, name))}"
            for name, label in (("ki_u", "Ki,u"), ("alpha", "alpha"), ("kinact", "kinact"), ("KI_u", "KI,u"),
                                ("emax", "Emax"), ("ec50_u", "EC50,u"))
            if getattr(interaction, name) is not None
        )
        lines.append(f"  interaction with {interaction.target}: {interaction.type}, {constants}\n"
                     f"      source: {interaction.source}")
    for tissue, kp in c.measured_kp.items():
        lines.append(_cited_line(f"measured Kp {tissue}", kp))
    for binding in c.specific_binding:
        lines.append(f"  specific binding in {binding.tissue} to {binding.target}: Bmax {_value_text(binding.bmax)}, "
                     f"Kd {_value_text(binding.kd)}\n      source: {binding.source}")
    if c.fitted_values:
        lines.append("  fitted to clinical data (list these in a validation case of the same study):")
        lines += [f"    {name}: {study}" for name, study in c.fitted_values.items()]
    return "\n".join(lines)


def _clearance_lines(c: Compound) -> list[str]:
    """Hepatic pathways, renal and biliary elimination."""
    lines = []
    for pathway in c.clearance.hepatic:
        if pathway.clint is not None:
            kinetics = f"CLint {_value_text(pathway.clint)}"
        else:
            kinetics = f"Vmax {_value_text(pathway.vmax)}, Km {_value_text(pathway.km)}"
        extra = f", fu_inc {pathway.fu_inc:g}" if pathway.system != "in_vivo" else ""
        extra += f", ISEF {pathway.isef:g}" if pathway.isef is not None else ""
        fitted = f"  [fitted to {pathway.fitted_to}]" if pathway.fitted_to else ""
        if pathway.metabolite is not None:
            extra += f", forms {pathway.metabolite.compound} (fraction {pathway.metabolite.fraction:g})"
        lines.append(f"  hepatic {pathway.enzyme} ({pathway.system}): {kinetics}{extra}{fitted}\n"
                     f"      source: {pathway.source}")
        change = pathway.kidney_failure
        if change is not None:
            fitted = f"  [fitted to {change.fitted_to}]" if change.fitted_to else ""
            lines.append(f"    in kidney disease: falls with the remaining GFR to {change.anephric_fraction:g} of healthy "
                         f"without kidney function{fitted}\n      source: {change.source}")
    renal = c.clearance.renal
    if renal is not None:
        secretion = f", secretion CL,u {_value_text(renal.secretion)}" if renal.secretion is not None else ""
        fitted = f"  [fitted to {renal.fitted_to}]" if renal.fitted_to else ""
        reabsorption = ", passive reabsorption against urine flow" if renal.reabsorption == "urine_flow" else ""
        lines.append(f"  renal: filtration {'yes' if renal.filtration else 'no'} (fraction {renal.gfr_fraction:g}"
                     f"{reabsorption})"
                     f"{secretion}{fitted}\n      source: {renal.source}")
    biliary = c.clearance.biliary
    if biliary is not None:
        fitted = f"  [fitted to {biliary.fitted_to}]" if biliary.fitted_to else ""
        lines.append(f"  biliary: CLint,u {_value_text(biliary.clint_unbound)}{fitted}\n      source: {biliary.source}")
    return lines


def _json_value(value: object) -> object:
    if dataclasses.is_dataclass(value):
        return {key: _json_value(item) for key, item in vars(value).items() if item is not None}
    if hasattr(value, "units"):
        return {"value": float(value.magnitude), "unit": f"{value.units:~}"}
    return value


def _cited_json(cited: Cited | None) -> object:
    if cited is None:
        return None
    out = {"value": _json_value(cited.value), "source": cited.source}
    if cited.fitted_to:
        out["fitted_to"] = cited.fitted_to
    return out


def _compound_json(c: Compound) -> dict:
    def record(obj) -> dict:
        return {key: _json_value(value) for key, value in vars(obj).items() if value is not None}

    return {
        "name": c.name,
        "file": c.file,
        "molecular_weight": _cited_json(c.molecular_weight),
        "logP": _cited_json(c.logP),
        "logD7.4": _cited_json(c.logD74),
        "log_p_neutral": c.log_p,
        "pKa": [record(p) for p in c.pka],
        "fu_plasma": _cited_json(c.fu_plasma),
        "binding_protein": c.binding_protein,
        "blood_plasma_ratio": _cited_json(c.blood_plasma_ratio) or {"method": c.blood_plasma_method},
        "partition_method": c.partition_method,
        "kp_scale": _cited_json(c.kp_scale),
        "clearance": {
            "hepatic": [record(p) for p in c.clearance.hepatic],
            "renal": record(c.clearance.renal) if c.clearance.renal else None,
            "biliary": record(c.clearance.biliary) if c.clearance.biliary else None,
        },
        "absorption": record(c.absorption) if c.absorption else None,
        "interactions": [record(i) for i in c.interactions],
        "measured_kp": {tissue: _cited_json(kp) for tissue, kp in c.measured_kp.items()},
        "specific_binding": [record(b) for b in c.specific_binding],
        "fitted_values": c.fitted_values,
    }

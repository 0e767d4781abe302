"""Re-derive the documented PBPK priors (``docs/priors/*.json``) and report what moved.

Usage::

    python scripts/check_priors.py            # re-run each prior's command into a temporary folder, compare
    python scripts/check_priors.py --write    # and, where anything moved, rewrite docs/priors and the figures
    python scripts/check_priors.py --only vancomycin-ckd3

Each prior's command is rebuilt from its own ``derived_from`` block (population, n, seed, regimen, assay
error, name), with the candidate covariates ``weight,age,crcl`` of ``docs/priors.md``. θ and ω values are
compared at a relative tolerance (default 1e-6); the script prints every difference and exits 1 if any
prior moved (after ``--write`` too, so a rewrite is seen). ``docs/priors.md``'s tables are not edited.
One prior takes about four minutes on two cores.
"""

from __future__ import annotations

import argparse
import json
import math
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PRIORS = ROOT / "docs" / "priors"
FIGURES = ROOT / "docs" / "images" / "priors"
COVARIATES = "weight,age,crcl"


def command(prior: dict, out: Path, stem: str) -> list[str]:
    """The ``pbpk priors`` command that derives ``prior`` again, writing ``stem`` files into ``out``."""
    pbpk, assay = prior["derived_from"]["pbpk"], prior["derived_from"]["assay_error"]
    doses = pbpk["doses"]
    if any(d["compartment"] != "central" or not d.get("duration_h") for d in doses):
        raise SystemExit(f"{stem}: only infusion regimens are rebuilt here (doses: {doses})")
    if len({(d["amount"], d["per_kg"], d["duration_h"]) for d in doses}) != 1:
        raise SystemExit(f"{stem}: only regimens of equal doses are rebuilt here")
    first = doses[0]
    args = [sys.executable, "-m", "pbpk.cli", "priors", prior["drug"], "--population", pbpk["population"],
            "--n", str(pbpk["n"]), "--seed", str(pbpk["seed"]),
            "--dose", f"{first['amount']:g} mg" + ("/kg" if first["per_kg"] else ""),
            "--route", "infusion", "--infusion-time", f"{first['duration_h']:g}h", "--doses", str(len(doses)),
            "--covariates", COVARIATES, "--assay-proportional", f"{assay['proportional_sd']:g}",
            "--assay-additive", f"{assay['additive_sd_mg_per_L']:g} mg/L", "--name", prior["name"],
            "--out", str(out / f"{stem}.json"), "--report", str(out / f"{stem}.report.json"),
            "--plot", str(out / f"{stem}.png"), "--quiet"]
    if len(doses) > 1:
        args[args.index("--doses"):args.index("--doses")] = ["--every", f"{doses[1]['time_h'] - first['time_h']:g}h"]
    return args


def values(prior: dict) -> dict[str, float]:
    """θ and ω of a prior by name."""
    found = {f"theta {k}": float(v["value"]) for k, v in prior["theta"].items()}
    for block in prior["omega"]:
        for i, row in enumerate(block["variance"]):
            for j, value in enumerate(row[: i + 1]):
                found[f"omega {block['etas'][i]}~{block['etas'][j]}"] = float(value)
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help="rewrite docs/priors and figures where a prior moved")
    parser.add_argument("--rtol", type=float, default=1e-6)
    parser.add_argument("--only", metavar="NAME", help="one prior, e.g. vancomycin-ckd3 (default: all)")
    args = parser.parse_args()
    moved = 0
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder)
        for path in sorted(PRIORS.glob("*.json")):
            if path.name.endswith(".report.json") or (args.only and path.stem != args.only):
                continue
            stem, old = path.stem, json.loads(path.read_text())
            run = subprocess.run(command(old, out, stem), capture_output=True, text=True, cwd=ROOT, check=False)
            if run.returncode:
                print(f"{stem}: pbpk priors failed:\n{run.stderr}")
                return 2
            new = json.loads((out / f"{stem}.json").read_text())
            before, after = values(old), values(new)
            changes = [(k, before.get(k), after.get(k)) for k in sorted(set(before) | set(after))
                       if k not in before or k not in after
                       or not math.isclose(before[k], after[k], rel_tol=args.rtol, abs_tol=1e-12)]
            print(f"{stem}: {'unchanged' if not changes else f'{len(changes)} values moved'}")
            for name, was, now in changes:
                print(f"  {name}: {was} -> {now}")
            if changes:
                moved += 1
                if args.write:
                    _write(out, stem)
    return 1 if moved else 0


def _write(out: Path, stem: str) -> None:
    """Copy the new prior, report and figure over the documented ones (paths in the files made the docs')."""
    for suffix in (".json", ".report.json"):
        text = (out / f"{stem}{suffix}").read_text()
        text = text.replace(str(out / f"{stem}.png"), f"docs/images/priors/{stem}.png").replace(f"{out}/", "docs/priors/")
        (PRIORS / f"{stem}{suffix}").write_text(text)
    shutil.copyfile(out / f"{stem}.png", FIGURES / f"{stem}.png")
    print(f"  rewrote docs/priors/{stem}.json, .report.json and docs/images/priors/{stem}.png "
          "(the .txt console report and docs/priors.md tables: re-run the command without --quiet)")


if __name__ == "__main__":
    sys.exit(main())

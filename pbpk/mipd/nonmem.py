"""Export a population model as a NONMEM control stream (NM-TRAN abbreviated code).

Linear models use the library subroutines: ADVAN1 TRANS2 (1 cmt), ADVAN3 TRANS4 (2),
ADVAN11 TRANS4 (3); with first-order absorption ADVAN2, ADVAN4 and ADVAN12, where
the depot is compartment 1 and the central compartment 2, so the model's V1, V2, Q2,
V3, Q3 are renamed V2, V3, Q3, V4, Q4 as NONMEM's TRANS4 names them (NONMEM Users
Guide VIII). θ and η become THETA(i) and ETA(i) in the code; $OMEGA and $SIGMA hold
variances. An ``sd-sum`` combined error has no EPS form in NONMEM and is written with
its two SDs as θ: Y = IPRED + (ADD + PROP·IPRED)·EPS(1), $SIGMA 1 FIX. The stream
estimates individual η only ($ESTIMATION MAXEVAL=0 POSTHOC), the MAP use of a prior.

With a ``NonmemPrior`` the stream instead fits a population to the data with the model
as an informative prior (``$PRIOR NWPRI``; Gisleskog, Karlsson & Beal 2002, J Pharmacokinet
Pharmacodyn 29:473; NONMEM Users Guide VIII): each θ normal around its value (``$THETAP``,
``$THETAPV``, the model's θ only, which come first) with SD ``theta_cv``·θ for a θ with a unit
and ``effect_sd`` for a dimensionless one, and each Ω block inverse-Wishart around its value
with ``omega_df`` degrees of freedom, at least the block's size (``$OMEGAP``, ``$OMEGAPD``). How certain a PBPK-derived θ is cannot come from the virtual population (its
standard errors shrink with n); it is the modeller's statement, recorded as ``reason``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from pbpk.core.errors import PbpkInputError
from pbpk.mipd.expressions import NONMEM, nonmem_lines
from pbpk.mipd.popmodel import PopulationModel

_ADVAN = {(1, False): "ADVAN1 TRANS2", (2, False): "ADVAN3 TRANS4", (3, False): "ADVAN11 TRANS4",
          (1, True): "ADVAN2 TRANS2", (2, True): "ADVAN4 TRANS4", (3, True): "ADVAN12 TRANS4"}
_ORAL_NAMES = {2: {"V1": "V2", "V2": "V3", "Q": "Q"}, 3: {"V1": "V2", "V2": "V3", "Q2": "Q3", "V3": "V4", "Q3": "Q4"}}


@dataclass(frozen=True)
class NonmemPrior:
    """How strongly the model informs a population fit, and why.

    ``theta_cv``: SD of a θ that has a unit (a clearance, a volume, a rate) as a fraction of it;
    ``effect_sd``: absolute SD of a dimensionless θ (an exponent, a slope, a factor), whose
    "no effect" value may be 0 or 1 so that a fraction of it means nothing; ``omega_df``: degrees
    of freedom of each Ω block's inverse-Wishart prior, at least the block's size.
    """

    theta_cv: float
    effect_sd: float
    omega_df: int
    reason: str

    def check(self, where: str, model: PopulationModel | None = None) -> None:
        if not 0 < self.theta_cv < 10:
            raise PbpkInputError(where, "prior.theta_cv", self.theta_cv, "a CV with 0 < CV < 10 (e.g. 0.3 for 30 %)")
        if not 0 < self.effect_sd < 100:
            raise PbpkInputError(where, "prior.effect_sd", self.effect_sd, "an SD with 0 < SD < 100 (e.g. 0.25)")
        if isinstance(self.omega_df, bool) or not isinstance(self.omega_df, int) or self.omega_df < 1:
            raise PbpkInputError(where, "prior.omega_df", self.omega_df, "a whole number of degrees of freedom ≥ 1")
        if not self.reason.strip() or "\n" in self.reason or "\r" in self.reason:
            raise PbpkInputError(where, "prior.reason", self.reason, "the reason for this prior's strength, one line")
        for block in () if model is None else model.omega.blocks:
            if self.omega_df < len(block.names):
                raise PbpkInputError(where, "prior.omega_df", self.omega_df,
                                     f"at least {len(block.names)} degrees of freedom for the Ω block of "
                                     f"{', '.join(block.names)} (an inverse-Wishart prior needs df ≥ its size)")

    def variance(self, theta) -> float:
        """The prior variance of one θ."""
        return (self.effect_sd if theta.unit in ("1", "") else self.theta_cv * theta.value) ** 2


def control_stream(model: PopulationModel, *, data: str = "data.csv", prior: NonmemPrior | None = None) -> str:
    """The control stream text of ``model`` for data file ``data``; with ``prior``, a fit under $PRIOR NWPRI."""
    structure = model.structure
    oral = structure.absorption != "none"
    if not structure.linear or structure.metabolite or structure.absorption == "transit":
        raise PbpkInputError(model.name, "structure", structure.absorption if structure.linear else
                             structure.elimination, "a linear 1-3 compartment model without transit or metabolite "
                             "for the NONMEM export (ADVAN13 $DES is not written yet)")
    thetas = list(model.thetas)
    rename = {theta.name: f"THETA({k})" for k, theta in enumerate(thetas, start=1)}
    rename.update({name: f"ETA({k})" for k, name in enumerate(model.eta_names, start=1)})
    if oral and structure.compartments > 1:
        rename.update(_ORAL_NAMES[structure.compartments])
    dialect = replace(NONMEM, rename=rename)
    central = rename.get(structure.central_volume, structure.central_volume)
    factor = model.concentration_factor("parent")
    lines = [f"$PROBLEM {model.title}", f"; {model.name}: {model.source['reference']}",
             "$INPUT ID TIME AMT RATE DV MDV EVID CMT " + " ".join(model.covariate_names),
             f"$DATA {data} IGNORE=@", f"$SUBROUTINES {_ADVAN[(structure.compartments, oral)]}", "$PK"]
    for statement in model.code.statements:
        lines += nonmem_lines(statement, dialect)
    scale = f"S{2 if oral else 1}"
    lines.append(f"{scale} = {central}" + ("" if factor == 1 else f" / {factor:g}"))
    if oral:
        assigned = set(model.code.assigned)
        lines += [f"{target} = {name}" for name, target in (("F", "F1"), ("ALAG", "ALAG1")) if name in assigned]
    error = model.errors["parent"]
    lines += ["$ERROR", "IPRED = F"]
    sigma: list[str] = []
    if error.kind == "combined" and error.combination == "sd-sum":
        n = len(thetas)
        lines += [f"W = THETA({n + 1}) + THETA({n + 2})*IPRED", "Y = IPRED + W*EPS(1)"]
        sigma = ["$SIGMA 1 FIX"]
        extra = [f"$THETA {error.additive_sd:.6g} FIX ; additive SD ({model.analytes['parent']})",
                 f"$THETA {error.proportional_sd:.6g} FIX ; proportional SD"]
    else:
        extra = []
        if error.kind == "exponential":
            lines += ["Y = LOG(IPRED) + EPS(1)"]
            sigma = [f"$SIGMA {error.additive_sd**2:.6g} ; log-scale variance"]
        elif error.kind == "additive":
            lines += ["Y = IPRED + EPS(1)"]
            sigma = [f"$SIGMA {error.additive_sd**2:.6g} ; additive variance"]
        elif error.kind == "proportional":
            lines += ["Y = IPRED + IPRED*EPS(1)"]
            sigma = [f"$SIGMA {error.proportional_sd**2:.6g} ; proportional variance"]
        else:
            lines += ["Y = IPRED + IPRED*EPS(1) + EPS(2)"]
            sigma = [f"$SIGMA {error.proportional_sd**2:.6g} ; proportional variance",
                     f"$SIGMA {error.additive_sd**2:.6g} ; additive variance"]
    for theta in thetas:
        bounds = (theta.lower, theta.upper)
        value = f"{theta.value:.8g}"
        if bounds != (None, None):
            low = "-INF" if bounds[0] is None else f"{bounds[0]:.8g}"
            high = "INF" if bounds[1] is None else f"{bounds[1]:.8g}"
            value = f"({low}, {value}, {high})"
        lines.append(f"$THETA {value}{' FIX' if theta.fixed else ''} ; {theta.name} ({theta.unit})")
    lines += extra
    for block in model.omega.blocks:
        matrix = block.matrix
        names = ", ".join(block.names)
        if len(block.names) == 1:
            lines.append(f"$OMEGA {matrix[0, 0]:.8g}{' FIX' if block.fixed else ''} ; {names}")
        else:
            values = " ".join(f"{matrix[i, j]:.8g}" for i in range(len(matrix)) for j in range(i + 1))
            lines.append(f"$OMEGA BLOCK({len(matrix)}){' FIX' if block.fixed else ''} {values} ; {names}")
    lines += sigma
    if prior is not None:
        prior.check(model.name, model)
        lines += _nwpri(model, prior)
    lines += [f"$ESTIMATION METHOD=1 INTERACTION MAXEVAL={0 if prior is None else 9999} POSTHOC",
              "$TABLE ID TIME IPRED " + " ".join(f"ETA{k}" for k in range(1, len(model.eta_names) + 1))
              + " NOPRINT ONEHEADER FILE=sdtab"]
    return "\n".join(lines) + "\n"


def _nwpri(model: PopulationModel, prior: NonmemPrior) -> list[str]:
    """$PRIOR NWPRI records: θ means and variances, Ω modes and degrees of freedom."""
    thetas = [theta.value for theta in model.thetas]
    variances = [prior.variance(theta) for theta in model.thetas]
    block = " ".join(f"{variances[i]:.8g}" if i == j else "0" for i in range(len(thetas)) for j in range(i + 1))
    strength = (f"; prior strength: θ with a unit CV {100 * prior.theta_cv:g} %, dimensionless θ SD "
                f"{prior.effect_sd:g}, Ω {prior.omega_df} degrees of freedom")
    lines = [f"{strength}: {prior.reason}", "$PRIOR NWPRI",
             "$THETAP " + " ".join(f"({value:.8g} FIX)" for value in thetas),
             f"$THETAPV BLOCK({len(thetas)}) {block} FIX"]
    for omega_block in model.omega.blocks:
        matrix = omega_block.matrix
        values = " ".join(f"{matrix[i, j]:.8g}" for i in range(len(matrix)) for j in range(i + 1))
        lines.append(f"$OMEGAP BLOCK({len(matrix)}) {values} FIX")
    lines.append("$OMEGAPD " + " ".join(f"({prior.omega_df} FIX)" for _ in model.omega.blocks))
    return lines

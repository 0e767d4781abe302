"""Errors raised for bad input, and the "did you mean" helper.

Every error about user input names where it happened (file, line, field), what
was found, what was expected and, where possible, what to do about it.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable


class PbpkInputError(ValueError):
    """Bad input in a file or argument.

    Parameters
    ----------
    where
        The file (and line) or argument the value came from, e.g.
        ``"compounds/x.yaml:4"``.
    field
        Dotted path of the offending field, e.g. ``"clearance.hepatic[0].Km"``.
    found
        What was found (shown with ``repr``-like quoting when a string).
    expected
        What was expected instead.
    hint
        Optional advice on how to fix it.

    Examples
    --------
    >>> err = PbpkInputError("x.yaml:3", "fu_plasma", 3.1, "a number in (0, 1]",
    ...                      "if this is percent unbound, divide by 100")
    >>> str(err)
    'x.yaml:3: fu_plasma: got 3.1; expected a number in (0, 1]. If this is percent unbound, divide by 100.'
    """

    def __init__(self, where: str, field: str, found: object, expected: str, hint: str = "") -> None:
        self.where = where
        self.field = field
        self.found = found
        self.expected = expected
        self.hint = hint
        super().__init__(self._message())

    def _message(self) -> str:
        if self.found is None:
            found = "nothing"
        else:
            found = repr(self.found) if isinstance(self.found, str) else str(self.found)
        head = f"{self.where}: {self.field}: " if self.field else f"{self.where}: "
        text = f"{head}got {found}; expected {self.expected}."
        if self.hint:
            hint = self.hint[0].upper() + self.hint[1:]
            text += f" {hint}" + ("" if hint.endswith((".", "?")) else ".")
        return text


def did_you_mean(name: str, options: Iterable[str]) -> str:
    """Return ``'Did you mean "x"?'`` for the closest option, or ``""``.

    >>> did_you_mean("fu_plsma", ["fu_plasma", "logP"])
    'Did you mean "fu_plasma"?'
    """
    options = list(options)
    lowered = {option.lower(): option for option in options}
    matches = difflib.get_close_matches(name.lower(), list(lowered), n=1, cutoff=0.6)
    return f'Did you mean "{lowered[matches[0]]}"?' if matches else ""

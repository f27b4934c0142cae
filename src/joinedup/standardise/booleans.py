"""Yes/no columns, which every system spells its own way (Y/N, 1/0, TRUE, 'Yes - SPD')."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from joinedup.standardise.base import Standardised, add_reason, as_text, no_reasons


def _folded(values: Iterable[str]) -> list[str]:
    return sorted({str(v).strip().casefold() for v in values})


def parse_bool(
    s: pd.Series, true_values: Iterable[str], false_values: Iterable[str] | None = None
) -> Standardised:
    """Values in `true_values` are True (case and surrounding spaces ignored).

    With `false_values` given, those are False and anything else is rejected with a
    reason; without, every other non-empty value is False. Values are a nullable
    `boolean` Series.
    """
    text = as_text(s).str.casefold()
    present = text.notna().to_numpy()
    is_true = text.isin(_folded(true_values)).to_numpy(dtype=bool, na_value=False)
    if false_values is None:
        is_false = present & ~is_true
    else:
        is_false = text.isin(_folded(false_values)).to_numpy(dtype=bool, na_value=False)
        is_false = is_false & ~is_true
    result = pd.array(np.where(is_true, True, False), dtype="boolean")
    result[~(is_true | is_false)] = pd.NA
    values = pd.Series(result, index=s.index)
    reasons = add_reason(
        no_reasons(s.index), present & ~(is_true | is_false), "not a recognised yes/no value"
    )
    return Standardised(values, reasons)

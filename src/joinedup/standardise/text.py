"""Plain text fields: trimmed, inner whitespace collapsed, empty as None."""

from __future__ import annotations

import pandas as pd

from joinedup.standardise.base import Standardised, as_text, no_reasons, sub, to_object


def clean_text(s: pd.Series) -> Standardised:
    """'  Council   Tax ' -> 'Council Tax'; case and punctuation are left alone."""
    text = sub(as_text(s), r"\s+", " ")
    return Standardised(to_object(text), no_reasons(s.index))

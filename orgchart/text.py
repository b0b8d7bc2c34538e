"""Text as the application stores and compares it.

Vietnamese letters can be written two ways: precomposed ("ố", one code point, NFC)
or decomposed ("o" + circumflex + acute, NFD, as some Mac and legacy tools write).
They look the same on screen but compare different, so a unit written NFD is not
found by a search typed NFC and a uniqueness check can be bypassed. Every text
that enters the application (imported cells, form fields, searches) is therefore
normalised to NFC, and control characters (which no one types on purpose and
which can hide text or reorder it on screen) are removed, except the line breaks
and tabs a multi-line text may carry.
"""

from __future__ import annotations

import unicodedata

#: Control characters kept: the line break (Alt+Enter in an Excel cell) and tab.
KEPT_CONTROLS = frozenset("\n\t")


def _is_removed(char: str) -> bool:
    # Cc: C0/C1 controls; Cf: invisible format characters (zero-width spaces,
    # bidirectional overrides that display text in another order than stored).
    return char not in KEPT_CONTROLS and unicodedata.category(char) in ("Cc", "Cf")


def clean_text(value: str) -> str:
    """``value`` in NFC without control characters; a carriage return before a
    line break is dropped, a lone one becomes a line break."""
    if not value:
        return value
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    if value.isascii() and value.isprintable():
        return value
    value = unicodedata.normalize("NFC", value)
    return "".join(char for char in value if not _is_removed(char))

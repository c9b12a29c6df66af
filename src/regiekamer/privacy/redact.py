"""Keep BSNs out of every text that leaves the process: findings, errors, logs."""

from __future__ import annotations

import re

from stdnum.nl import bsn as stdnum_bsn

_NINE_DIGITS = re.compile(r"(?<!\d)\d{9}(?!\d)")


def redact(text: str) -> str:
    """Replace every nine-digit run that passes the elfproef by ``[BSN]``.

    Only elfproef-valid numbers are masked: AGB codes (8 digits) and message ids stay readable.
    """
    return _NINE_DIGITS.sub(
        lambda m: "[BSN]" if stdnum_bsn.is_valid(m.group(0)) else m.group(0), text
    )

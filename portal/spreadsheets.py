"""CSV that is safe to open in a spreadsheet."""

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value):
    """A CSV cell: None as empty; text a spreadsheet would run as a formula quoted with a '.

    Numbers pass through unchanged (a negative number is not a formula).
    """
    if value is None:
        return ""
    if isinstance(value, str) and value[:1] in FORMULA_STARTS:
        return f"'{value}"
    return value

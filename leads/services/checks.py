"""Value checks the lead services share: what JSON, CSV cells and forms hand them."""

from decimal import Decimal, InvalidOperation


def non_negative_decimal(text: str) -> Decimal | None:
    """A finite number of 0 or more, or None when the text is not one."""
    try:
        number = Decimal(text.strip())
    except InvalidOperation:
        return None
    return number if number.is_finite() and number >= 0 else None


def whole_number(value, low: int, high: int) -> bool:
    """An int (not a bool) from low to high."""
    return isinstance(value, int) and not isinstance(value, bool) and low <= value <= high


def is_number(value) -> bool:
    """A number or a text that reads as one (not a bool)."""
    try:
        Decimal(str(value))
    except InvalidOperation:
        return False
    return not isinstance(value, bool)

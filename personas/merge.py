"""Three-way merge of persona edits: per field, and per line inside long text fields.

base is the version an editor started from, theirs is what is stored now, yours is
what the editor sends. A field changed by one side only takes that side; a field
changed identically by both is fine; long text changed by both is merged line by
line (diff3, as in bzr/Breezy's merge3); only truly overlapping edits are conflicts.
"""

from dataclasses import dataclass, field
from difflib import SequenceMatcher

from .models import SECTION_FIELDS


def _lines(text: str) -> list[str]:
    return text.replace("\r\n", "\n").replace("\r", "\n").splitlines(keepends=True)


LCS_LIMIT = 400  # lines in the changed middle part; beyond that, difflib's heuristic matcher


def _matching_blocks(base: list[str], side: list[str]) -> list[tuple[int, int, int]]:
    """Unchanged runs between base and one side: [(base_index, side_index, length), ..., sentinel].

    Deterministic where identical lines repeat (difflib may align them differently for
    each side, and a three-way merge of two such diffs can duplicate a line): the
    common prefix and suffix are matched in place, the middle by a longest common
    subsequence that prefers matching a line over skipping it.
    """
    n, m = len(base), len(side)
    prefix = 0
    while prefix < n and prefix < m and base[prefix] == side[prefix]:
        prefix += 1
    suffix = 0
    while (
        suffix < n - prefix and suffix < m - prefix and base[n - 1 - suffix] == side[m - 1 - suffix]
    ):
        suffix += 1
    middle_base, middle_side = base[prefix : n - suffix], side[prefix : m - suffix]
    if len(middle_base) * len(middle_side) > LCS_LIMIT * LCS_LIMIT:
        inner = SequenceMatcher(
            None, middle_base, middle_side, autojunk=False
        ).get_matching_blocks()[:-1]
    else:
        inner = _lcs_blocks(middle_base, middle_side)
    blocks = [(0, 0, prefix)] if prefix else []
    blocks += [(i + prefix, j + prefix, length) for i, j, length in inner]
    if suffix:
        blocks.append((n - suffix, m - suffix, suffix))
    blocks.append((n, m, 0))
    return blocks


def _lcs_blocks(a: list[str], b: list[str]) -> list[tuple[int, int, int]]:
    n, m = len(a), len(b)
    lengths = [[0] * (m + 1) for _ in range(n + 1)]
    for i in range(n - 1, -1, -1):
        row, below = lengths[i], lengths[i + 1]
        for j in range(m - 1, -1, -1):
            row[j] = below[j + 1] + 1 if a[i] == b[j] else max(below[j], row[j + 1])
    blocks: list[tuple[int, int, int]] = []
    i = j = 0
    while i < n and j < m:
        if a[i] == b[j] and lengths[i][j] == lengths[i + 1][j + 1] + 1:
            if blocks and blocks[-1][0] + blocks[-1][2] == i and blocks[-1][1] + blocks[-1][2] == j:
                start_i, start_j, length = blocks[-1]
                blocks[-1] = (start_i, start_j, length + 1)
            else:
                blocks.append((i, j, 1))
            i, j = i + 1, j + 1
        elif lengths[i + 1][j] >= lengths[i][j + 1]:
            i += 1
        else:
            j += 1
    return blocks


def _sync_regions(
    base: list[str], a: list[str], b: list[str]
) -> list[tuple[int, int, int, int, int, int]]:
    """Regions where base, a and b all agree: (base_start, base_end, a_start, a_end, b_start, b_end)."""
    matches_a = _matching_blocks(base, a)
    matches_b = _matching_blocks(base, b)
    regions = []
    ia = ib = 0
    while ia < len(matches_a) and ib < len(matches_b):
        a_base, a_match, a_len = matches_a[ia]
        b_base, b_match, b_len = matches_b[ib]
        start = max(a_base, b_base)
        end = min(a_base + a_len, b_base + b_len)
        if start < end:
            a_start = a_match + (start - a_base)
            b_start = b_match + (start - b_base)
            regions.append(
                (start, end, a_start, a_start + (end - start), b_start, b_start + (end - start))
            )
        if a_base + a_len < b_base + b_len:
            ia += 1
        else:
            ib += 1
    regions.append((len(base), len(base), len(a), len(a), len(b), len(b)))
    return regions


def merge_text(base: str, theirs: str, yours: str) -> str | None:
    """Merge two edits of one text line by line; None when they overlap (a conflict)."""
    if theirs == yours or yours == base:
        return theirs
    if theirs == base:
        return yours
    base_lines, their_lines, your_lines = _lines(base), _lines(theirs), _lines(yours)
    merged: list[str] = []
    iz = it = iy = 0
    for z_start, z_end, t_start, t_end, y_start, y_end in _sync_regions(
        base_lines, their_lines, your_lines
    ):
        base_chunk = base_lines[iz:z_start]
        their_chunk = their_lines[it:t_start]
        your_chunk = your_lines[iy:y_start]
        if their_chunk == your_chunk:
            merged += their_chunk
        elif their_chunk == base_chunk:
            merged += your_chunk
        elif your_chunk == base_chunk:
            merged += their_chunk
        else:
            return None
        merged += base_lines[z_start:z_end]
        iz, it, iy = z_end, t_end, y_end
    return "".join(merged)


@dataclass
class MergeResult:
    values: dict[str, str]  # the merged value of every field that was sent or changed
    merged_fields: list[str] = field(default_factory=list)  # kept from others' changes
    conflicts: dict[str, dict[str, str]] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.conflicts


def merge_fields(
    base: dict[str, str], theirs: dict[str, str], yours: dict[str, str]
) -> MergeResult:
    """Merge `yours` (only the fields the editor changed) onto `theirs`, relative to `base`."""
    result = MergeResult(values={})
    for name, your_value in yours.items():
        base_value, their_value = base.get(name, ""), theirs.get(name, "")
        if their_value in (base_value, your_value):
            result.values[name] = your_value
        elif your_value == base_value:
            result.values[name] = their_value
            result.merged_fields.append(name)
        elif (
            name in SECTION_FIELDS
            and (merged := merge_text(base_value, their_value, your_value)) is not None
        ):
            result.values[name] = merged
            result.merged_fields.append(name)
        else:
            result.conflicts[name] = {
                "base": base_value,
                "theirs": their_value,
                "yours": your_value,
            }
    # Fields only others changed since the editor's base are kept, and reported.
    for name, their_value in theirs.items():
        if name not in yours and their_value != base.get(name, their_value):
            result.merged_fields.append(name)
    result.merged_fields.sort()
    return result

"""The persona's live document: its layout and the text operations on it (pycrdt / Yrs).

Layout: one root Y.Text per field of PERSONA_TEXT_FIELDS, named like the field
(`doc.getText("goals")` in the browser). Root texts rather than a map of texts: the stock
Yjs editor bindings take a Y.Text, and a field is never added or removed at run time.

pycrdt counts text positions in UTF-8 bytes (Yjs in the browser counts UTF-16 units);
the helpers here take and give Python strings and convert.
"""

from difflib import SequenceMatcher

from pycrdt import Doc, Text

from .models import PERSONA_TEXT_FIELDS

DIFF_LIMIT = 3_000  # characters of a changed middle part; beyond that it is replaced whole


def new_doc() -> Doc:
    doc = Doc()
    for name in PERSONA_TEXT_FIELDS:
        doc.get(name, type=Text)
    return doc


def doc_from_updates(*updates: bytes) -> Doc:
    doc = new_doc()
    for update in updates:
        if update:
            doc.apply_update(update)
    return doc


def seed_update(values: dict[str, str]) -> bytes:
    """A full document holding `values` (the persona's columns when it is first opened)."""
    doc = new_doc()
    with doc.transaction():
        for name in PERSONA_TEXT_FIELDS:
            if values.get(name):
                doc.get(name, type=Text).insert(0, values[name])
    return doc.get_update()


def texts(doc: Doc) -> dict[str, str]:
    return {name: str(doc.get(name, type=Text)) for name in PERSONA_TEXT_FIELDS}


def _edits(old: str, new: str) -> list[tuple[int, int, str]]:
    """(start, end, replacement) character edits turning old into new, last first."""
    prefix = 0
    limit = min(len(old), len(new))
    while prefix < limit and old[prefix] == new[prefix]:
        prefix += 1
    suffix = 0
    while suffix < limit - prefix and old[len(old) - 1 - suffix] == new[len(new) - 1 - suffix]:
        suffix += 1
    old_mid, new_mid = old[prefix : len(old) - suffix], new[prefix : len(new) - suffix]
    if not old_mid and not new_mid:
        return []
    if len(old_mid) > DIFF_LIMIT or len(new_mid) > DIFF_LIMIT or not old_mid or not new_mid:
        return [(prefix, prefix + len(old_mid), new_mid)]
    edits = []
    matcher = SequenceMatcher(None, old_mid, new_mid, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag != "equal":
            edits.append((prefix + i1, prefix + i2, new_mid[j1:j2]))
    return list(reversed(edits))


def set_text(text: Text, new: str) -> None:
    """Change a Y.Text to read `new` with the smallest edits, so that the change merges
    with concurrent typing elsewhere in the same text instead of replacing it."""
    old = str(text)
    for start, end, replacement in _edits(old, new):  # last first: earlier offsets hold
        byte_start = len(old[:start].encode())
        byte_end = byte_start + len(old[start:end].encode())
        if byte_end > byte_start:
            del text[byte_start:byte_end]
        if replacement:
            text.insert(byte_start, replacement)


def apply_values(doc: Doc, values: dict[str, str]) -> bytes:
    """Edit the document's fields to read `values`; returns the update that did it."""
    before = doc.get_state()
    with doc.transaction():
        for name, value in values.items():
            if name in PERSONA_TEXT_FIELDS:
                set_text(doc.get(name, type=Text), value)
    return doc.get_update(before)

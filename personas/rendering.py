"""Light formatting for persona text: Markdown, then sanitised with nh3.

Whatever HTML someone types is either escaped by Markdown or removed by nh3, so a
stored <script> or onerror= can never run; the CSP forbids inline script besides.
"""

import html
import re
from difflib import SequenceMatcher

import markdown as markdown_lib
import nh3
from django.utils.safestring import SafeString, mark_safe

ALLOWED_TAGS = {
    "p",
    "br",
    "strong",
    "em",
    "ul",
    "ol",
    "li",
    "blockquote",
    "code",
    "pre",
    "a",
    "h3",
    "h4",
    "hr",
}


def render_markdown(text: str) -> SafeString:
    if not text:
        return mark_safe("")
    rendered = markdown_lib.markdown(text, extensions=["sane_lists", "nl2br"], output_format="html")
    clean = nh3.clean(
        rendered,
        tags=ALLOWED_TAGS,
        attributes={"a": {"href", "title"}},
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
    )
    return mark_safe(clean)  # noqa: S308 (sanitised by nh3 just above)


TOKEN = re.compile(r"\s+|\w+|[^\w\s]", re.UNICODE)


def word_diff(old: str, new: str) -> SafeString:
    """The new text with removed words struck through and added words highlighted."""
    old_tokens, new_tokens = TOKEN.findall(old or ""), TOKEN.findall(new or "")
    parts = []
    for tag, i1, i2, j1, j2 in SequenceMatcher(
        None, old_tokens, new_tokens, autojunk=False
    ).get_opcodes():
        removed = html.escape("".join(old_tokens[i1:i2]))
        added = html.escape("".join(new_tokens[j1:j2]))
        if tag == "equal":
            parts.append(added)
        if tag in {"delete", "replace"} and removed:
            parts.append(f"<del>{removed}</del>")
        if tag in {"insert", "replace"} and added:
            parts.append(f"<ins>{added}</ins>")
    return mark_safe("".join(parts))  # noqa: S308 (every piece escaped above)

"""Light formatting for persona text: Markdown, then sanitised with nh3; word diffs.

Whatever HTML someone types is removed by nh3, so a stored <script> or onerror= can
never run; the CSP forbids inline script besides.

Both are bounded for the worst text a section may hold (SECTION_MAX_CHARS): Markdown
is parsed by cmark-gfm (GitHub's C parser, linear time, tested against CommonMark's
pathological inputs; Python-Markdown took minutes on 20k characters of brackets), and
the rendered HTML is cached by content, so each revision's text renders once. The word
diff compares only the changed middle and falls back to lines, then to a whole
replacement, when the comparison would grow past a fixed number of cells.
"""

import hashlib
import html
import re
from difflib import SequenceMatcher

import cmarkgfm
import nh3
from cmarkgfm.cmark import Options
from django.core.cache import cache
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


RENDER_VERSION = 2  # part of the cache key: bump when the rendering changes
RENDER_CACHE_SECONDS = 7 * 24 * 3600


def render_markdown(text: str) -> SafeString:
    if not text:
        return mark_safe("")
    digest = hashlib.sha256(text.encode()).hexdigest()
    key = f"persona-md:{RENDER_VERSION}:{digest}"
    clean = cache.get(key)
    if clean is None:
        clean = _render(text)
        cache.set(key, clean, RENDER_CACHE_SECONDS)
    return mark_safe(clean)  # noqa: S308 (sanitised by nh3 in _render)


# Blockquote and list markers opening a line, beyond the nesting anyone writes: 10,000
# nested quotes ("> > > ...") parse fast but take the HTML sanitiser seconds.
MAX_NESTING = 8
MARKER = r"[ \t]*(?:>|[*+-](?=[ \t]|$)|\d{1,9}[.)](?=[ \t]|$))"
DEEP_MARKERS = re.compile(rf"^((?:{MARKER}){{{MAX_NESTING}}})(?:{MARKER})+", re.MULTILINE)


def _render(text: str) -> str:
    # cmark's safe mode drops raw HTML (typed tags are not part of light Markdown, and
    # 4,000 nested <div>s would cost the sanitiser a second); nh3 still cleans the rest.
    rendered = cmarkgfm.markdown_to_html(
        DEEP_MARKERS.sub(r"\1", text), options=Options.CMARK_OPT_HARDBREAKS
    )
    return nh3.clean(
        rendered,
        tags=ALLOWED_TAGS,
        attributes={"a": {"href", "title"}},
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
    )


# A word with the spaces after it (fewer, less repetitive tokens than words and spaces
# apart), a punctuation mark, or leading space.
TOKEN = re.compile(r"\w+\s*|[^\w\s]\s*|\s+", re.UNICODE)
LINE = re.compile(r"[^\n]*\n|[^\n]+")
# Cells (old tokens x new tokens) the matcher may compare: difflib's worst case grows
# with this product, so past it a coarser unit is used (measured in bench_persona_stress).
DIFF_CELLS = 160_000


def word_diff(old: str, new: str) -> SafeString:
    """The new text with removed words struck through and added words highlighted."""
    old_tokens, new_tokens = TOKEN.findall(old or ""), TOKEN.findall(new or "")
    start = 0
    while start < min(len(old_tokens), len(new_tokens)) and old_tokens[start] == new_tokens[start]:
        start += 1
    end = 0
    while (
        end < min(len(old_tokens), len(new_tokens)) - start
        and old_tokens[-1 - end] == new_tokens[-1 - end]
    ):
        end += 1
    old_middle = old_tokens[start : len(old_tokens) - end]
    new_middle = new_tokens[start : len(new_tokens) - end]
    parts = [html.escape("".join(new_tokens[:start]))]
    parts += _changes(old_middle, new_middle)
    parts.append(html.escape("".join(new_tokens[len(new_tokens) - end :])))
    return mark_safe("".join(parts))  # noqa: S308 (every piece escaped)


def _changes(old_tokens: list[str], new_tokens: list[str]) -> list[str]:
    if len(old_tokens) * len(new_tokens) > DIFF_CELLS:
        old_tokens = LINE.findall("".join(old_tokens))
        new_tokens = LINE.findall("".join(new_tokens))
    if len(old_tokens) * len(new_tokens) > DIFF_CELLS:
        opcodes = [("replace", 0, len(old_tokens), 0, len(new_tokens))]
    else:
        opcodes = SequenceMatcher(None, old_tokens, new_tokens, autojunk=False).get_opcodes()
    parts = []
    for tag, i1, i2, j1, j2 in opcodes:
        removed = html.escape("".join(old_tokens[i1:i2]))
        added = html.escape("".join(new_tokens[j1:j2]))
        if tag == "equal":
            parts.append(added)
        if tag in {"delete", "replace"} and removed:
            parts.append(f"<del>{removed}</del>")
        if tag in {"insert", "replace"} and added:
            parts.append(f"<ins>{added}</ins>")
    return parts

"""Persona text renders safely and in bounded work, whatever a section holds (issue 19 item 3).

Times are measured by bench/bench_persona_pages.py (the worst allowed input, every page);
these tests pin the bounds that keep them there: nesting is capped before the HTML
sanitiser sees it, the word diff never compares more than DIFF_CELLS cells, and each
text is rendered once and then read from the cache.
"""

import hashlib
import html
import re
import sys
from pathlib import Path

import pytest
from django.core.cache import cache
from hypothesis import given, settings
from hypothesis import strategies as st

from personas import rendering, services
from personas.models import SECTION_FIELDS, SECTION_MAX_CHARS

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
from bench_persona_pages import worst_texts  # the bench measures the same inputs


def strip(markup: str, tag: str) -> str:
    """The text a diff shows without one kind of change (and without any tags)."""
    markup = re.sub(rf"<{tag}>.*?</{tag}>", "", markup, flags=re.DOTALL)
    return html.unescape(re.sub(r"</?(ins|del)>", "", markup))


@settings(max_examples=60, deadline=None)
@given(st.text(alphabet="ab .\n", max_size=300), st.text(alphabet="ab .\n", max_size=300))
def test_a_diff_contains_both_texts_exactly(old, new):
    shown = str(rendering.word_diff(old, new))
    assert strip(shown, "del") == new
    assert strip(shown, "ins") == old


def test_a_diff_marks_words_and_keeps_what_did_not_change():
    shown = str(rendering.word_diff("Owns the budget for tools", "Owns the tooling budget"))
    assert shown.startswith("Owns the ")
    assert "<del>" in shown and "<ins>" in shown and "budget" in shown


def test_a_huge_diff_falls_back_to_lines_then_to_a_whole_replacement(monkeypatch):
    compared = []
    real = rendering.SequenceMatcher

    def counting(junk, a, b, autojunk):
        compared.append(len(a) * len(b))
        return real(junk, a, b, autojunk=autojunk)

    monkeypatch.setattr(rendering, "SequenceMatcher", counting)
    words = ("a b " * (SECTION_MAX_CHARS // 4))[:SECTION_MAX_CHARS]
    lines = "\n".join(words[i : i + 80] for i in range(0, len(words), 80))
    other = lines.replace("a b a", "b a b")
    rendering.word_diff(lines, other)  # too many words apart: compared line by line
    assert compared and max(compared) <= rendering.DIFF_CELLS
    shown = str(rendering.word_diff(words, words[::-1]))  # one line each side: whole replacement
    assert max(compared) <= rendering.DIFF_CELLS
    assert shown.count("<del>") == 1 and shown.count("<ins>") == 1


def test_nesting_is_capped_before_the_sanitiser():
    for text in ("> " * 10_000, ">" * SECTION_MAX_CHARS, "- > 1. " * 2_000):
        rendered = rendering._render(text[:SECTION_MAX_CHARS])
        assert rendered.count("<blockquote>") <= rendering.MAX_NESTING
        assert rendered.count("<li>") <= rendering.MAX_NESTING


def test_markdown_is_rendered_once_per_text():
    cache.clear()
    text = "- **Cut** costs"
    key = f"persona-md:{rendering.RENDER_VERSION}:{hashlib.sha256(text.encode()).hexdigest()}"
    assert cache.get(key) is None
    first = rendering.render_markdown(text)
    assert cache.get(key) == str(first) == "<ul>\n<li><strong>Cut</strong> costs</li>\n</ul>\n"
    cache.set(key, "<p>from the cache</p>")
    assert rendering.render_markdown(text) == "<p>from the cache</p>"


def test_typed_html_never_reaches_the_page():
    shown = rendering._render('x <img src=x onerror="alert(1)"> y\n\n<script>alert(1)</script>')
    assert "onerror" not in shown and "<script" not in shown and "<img" not in shown
    assert "x" in shown and "y" in shown


@pytest.mark.django_db
def test_every_persona_page_renders_the_worst_allowed_input(as_user, marketer, sales_rep):
    cache.clear()
    first = dict(zip(SECTION_FIELDS, worst_texts(SECTION_MAX_CHARS, 1), strict=False))
    second = dict(zip(SECTION_FIELDS, reversed(worst_texts(SECTION_MAX_CHARS, 2)), strict=False))
    persona = services.create_persona(by=marketer, name="Worst case", **first)
    services.save_persona(persona, changes=second, base_version=1, by=sales_rep)
    client = as_user(sales_rep)
    for url in (
        f"/personas/{persona.pk}/",
        f"/personas/{persona.pk}/history/",
        f"/personas/{persona.pk}/history/?a=1&b=2",
        f"/personas/{persona.pk}/edit/",
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        assert "<script>alert" not in response.content.decode()

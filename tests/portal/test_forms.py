"""Shared form pieces (portal.forms)."""

from django import forms
from django.test.html import parse_html

from portal.forms import PlainSelect

CHOICES = [
    ("", "All campaigns"),
    (1, "Spring <launch> & co"),
    (2, 'Say "hi"'),
    ("Regions", [("emea", "EMEA"), ("apac", "APAC")]),
]


def test_plain_select_renders_what_django_s_select_renders():
    for value in ["", 2, "apac", None]:
        attrs = {"class": "form-select", "id": "id_campaign", "required": True, "disabled": False}
        django = forms.Select(choices=CHOICES).render("campaign", value, attrs=attrs)
        plain = PlainSelect(choices=CHOICES).render("campaign", value, attrs=attrs)
        assert parse_html(plain) == parse_html(django), (value, plain)
    chosen = PlainSelect(choices=CHOICES).render("campaign", 2)
    assert '<option value="2" selected>Say &quot;hi&quot;</option>' in chosen
    assert "Spring &lt;launch&gt; &amp; co" in chosen

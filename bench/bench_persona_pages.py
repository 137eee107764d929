"""The worst text a persona may hold, rendered: each persona page at full size, cold and warm.

Every section is filled to SECTION_MAX_CHARS with input known to be slow for Markdown
parsers (nested brackets, unclosed links, raw tags) or for word diffs (two tokens
repeated in a different order), then changed completely in a second revision. Reports
the detail page, the history page (the diff of those two revisions) and the edit page:
first request (nothing cached) and the median of the next ones.
"""

import random
import time
from statistics import median

from common import ms, report

ROUNDS = 5


def worst_texts(size: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    pairs = " ".join(rng.choice("ab") for _ in range(size // 2))
    return [
        ("[" * (size // 2) + "](" * (size // 4))[:size],
        ("[a](" * (size // 4))[:size],
        ("<a " * (size // 3))[:size],
        ("*a **b " * (size // 7))[:size],
        "".join("  " * (i % 40) + "- a\n" for i in range(size))[:size],
        pairs[:size],
        ("> " * (size // 2))[:size],
        ("&#" * (size // 2))[:size],
        (">" * size)[:size],
        ("<div>" * (size // 5))[:size],
    ]


def timed_get(client, url: str) -> float:
    started = time.perf_counter()
    response = client.get(url)
    elapsed = time.perf_counter() - started
    assert response.status_code == 200, (url, response.status_code)
    return elapsed


def run(args) -> None:
    from django.core.cache import cache
    from django.test import Client

    from personas import services
    from personas.models import SECTION_FIELDS, SECTION_MAX_CHARS
    from portal.models import Team, User

    owner = User.objects.create(username="bench-worst", team=Team.MARKETING)
    first = dict(zip(SECTION_FIELDS, worst_texts(SECTION_MAX_CHARS, 1), strict=False))
    second = dict(zip(SECTION_FIELDS, reversed(worst_texts(SECTION_MAX_CHARS, 2)), strict=False))
    persona = services.create_persona(by=owner, name="Worst case", **first)
    services.save_persona(persona, changes=second, base_version=persona.version, by=owner)
    client = Client()
    client.force_login(owner)
    timed_get(client, "/personas/")  # imports and first-request set-up are not the page's cost
    rows = [("sections x characters", f"{len(first)} x {SECTION_MAX_CHARS:,}")]
    for label, url in (
        ("detail page", f"/personas/{persona.pk}/"),
        ("history page (diff of 2 full revisions)", f"/personas/{persona.pk}/history/?a=1&b=2"),
        ("edit page", f"/personas/{persona.pk}/edit/"),
    ):
        cache.clear()
        cold = timed_get(client, url)
        warm = median(timed_get(client, url) for _ in range(ROUNDS))
        rows.append((label, f"first {ms(cold)}, then median {ms(warm)}"))
    report("Persona pages with the worst allowed input", rows)

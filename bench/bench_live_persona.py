"""20 editors x 200 keystrokes on one persona, over real websockets to a real server.

Measures: convergence (every editor's text and the stored columns identical, holding
every keystroke), keystroke-to-remote-display latency (from an editor sending its
update to each other editor having applied it: p50/p95), and the server's CPU and
memory for the open document. Editors type at random places at ~8 keys a second each.
"""

import asyncio
import random
import statistics
import time

from common import ms, percentile, report

EDITORS, KEYSTROKES, KEY_INTERVAL = 20, 200, 0.12


async def editor(index, url, cookie, persona_id, sent_at, latencies, go, state):
    from live import connect
    from pycrdt import Doc, Text

    from personas.consumers import STEP1, STEP2, SYNC, UPDATE, Reader, sync_message

    rng = random.Random(index)
    doc = Doc()
    synced = asyncio.Event()
    async with connect(url, f"/ws/personas/{persona_id}/", cookie) as ws:

        async def read():
            async for frame in ws:
                reader = Reader(frame)
                if reader.uint() != SYNC:
                    continue
                step, payload = reader.uint(), reader.bytes()
                if step == STEP1:
                    await ws.send(sync_message(STEP2, doc.get_update(payload)))
                    continue
                doc.apply_update(payload)
                if step == STEP2:
                    synced.set()
                elif payload in sent_at:
                    latencies.append(time.perf_counter() - sent_at[payload])

        reading = asyncio.ensure_future(read())
        await ws.send(sync_message(STEP1, doc.get_state()))
        await synced.wait()
        state["ready"] += 1
        await go.wait()
        text = doc.get("goals", type=Text)
        for _ in range(KEYSTROKES):
            current = str(text)
            at = rng.randint(0, len(current))
            before = doc.get_state()
            text.insert(len(current[:at].encode()), rng.choice("abcdefghijklmnopqrstuvwxyz "))
            update = doc.get_update(before)
            sent_at[update] = time.perf_counter()
            await ws.send(sync_message(UPDATE, update))
            await asyncio.sleep(KEY_INTERVAL * rng.uniform(0.5, 1.5))
        state["typed"] += 1
        await state["converged"].wait()
        reading.cancel()
        state["texts"][index] = str(text)
        state["docs"][index] = doc


async def session(servers, cookies, persona_id, editors):
    sent_at, latencies = {}, []
    go = asyncio.Event()
    state = {"ready": 0, "typed": 0, "converged": asyncio.Event(), "texts": {}, "docs": {}}
    tasks = [
        asyncio.ensure_future(
            editor(
                i,
                servers.urls[i % len(servers.urls)],
                cookies[i],
                persona_id,
                sent_at,
                latencies,
                go,
                state,
            )
        )
        for i in range(editors)
    ]
    deadline = time.perf_counter() + 120
    while state["ready"] < editors:
        if time.perf_counter() > deadline:
            raise SystemExit("editors could not join the room")
        await asyncio.sleep(0.05)
    cpu_before, started = servers.cpu_seconds(), time.perf_counter()
    go.set()
    while state["typed"] < editors:
        await asyncio.sleep(0.05)
    typing_seconds = time.perf_counter() - started
    # Converged when every editor has received every other editor's keystrokes.
    expected = editors * (editors - 1) * KEYSTROKES
    deadline = time.perf_counter() + 60
    while len(latencies) < expected and time.perf_counter() < deadline:
        await asyncio.sleep(0.05)
    converge_seconds = time.perf_counter() - started - typing_seconds
    cpu = servers.cpu_seconds() - cpu_before
    state["converged"].set()
    await asyncio.gather(*tasks)
    return latencies, expected, state["texts"], typing_seconds, converge_seconds, cpu


def run(args) -> None:
    from django.conf import settings
    from live import Servers, session_cookies

    from personas import services
    from personas.models import Persona
    from portal.models import User

    editors = 6 if args.quick else EDITORS
    people = [
        User.objects.create(username=f"editor{i}", team="sales" if i % 2 else "marketing")
        for i in range(editors)
    ]
    persona = services.create_persona(by=people[0], name="Bench persona", goals="Start\n")
    cookies = session_cookies(people)
    processes = 2 if settings.REDIS_URL else 1
    servers = Servers(processes)
    try:
        rss_idle = servers.rss_mb()
        latencies, expected, texts, typing, converge, cpu = asyncio.run(
            session(servers, cookies, persona.pk, editors)
        )
        rss_open = servers.rss_mb()
        final = set(texts.values())
        stored = ""
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            stored = Persona.objects.get(pk=persona.pk).goals
            if final == {stored}:
                break
            time.sleep(0.2)
    finally:
        servers.stop()
    keystrokes = editors * KEYSTROKES
    one = next(iter(final))
    report(
        f"Live persona: {editors} editors x {KEYSTROKES} keystrokes, {processes} web process(es)"
        + (" joined by Redis" if processes > 1 else ""),
        [
            (
                "converged",
                f"{len(final) == 1 and one == stored} (editors agree: {len(final) == 1}, "
                f"stored == live: {one == stored}, {len(one)} chars, "
                f"expected {len('Start') + 1 + keystrokes})",
            ),
            ("remote displays measured", f"{len(latencies)} of {expected}"),
            (
                "keystroke -> remote display",
                f"p50 {ms(statistics.median(latencies))}, "
                f"p95 {ms(percentile(latencies, 95))}, max {ms(max(latencies))}",
            ),
            (
                "typing took",
                f"{typing:.1f} s ({keystrokes / typing:.0f} keystrokes/s in all); "
                f"last display {converge * 1000:.0f} ms after the last keystroke",
            ),
            (
                "server CPU",
                f"{cpu:.1f} s = {100 * cpu / (typing + converge):.0f}% of one core, "
                f"{1000 * cpu / keystrokes:.2f} ms per keystroke (fan-out to "
                f"{editors - 1} editors and storage included)",
            ),
            (
                "server memory",
                f"{rss_idle:.0f} MB idle -> {rss_open:.0f} MB with the document "
                f"open ({rss_open - rss_idle:+.1f} MB for it and its {editors} sockets)",
            ),
        ],
    )

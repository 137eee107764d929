"""Run work in real parallel threads, each with its own database connection."""

import threading

from django.db import connection


def in_threads(count: int, work):
    """Run work(index) in `count` threads started together; return results in order."""
    barrier = threading.Barrier(count)
    results = [None] * count

    def runner(index):
        try:
            barrier.wait()
            results[index] = work(index)
        finally:
            connection.close()

    threads = [threading.Thread(target=runner, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    return results

"""Kombu's Redis transport, with one fix so a Redis outage never kills a worker.

When the broker connection drops, Celery collects the old connection (which detaches
the transport from it) and then closes it. Closing a channel restores its unacknowledged
messages, which asks the detached transport for its connection settings and raised
AttributeError (celery 5.7.0, kombu 5.7.0 and 5.6.2, redis-py 6 and 8 alike). Celery only
ignores connection errors at that point, so the AttributeError killed the worker
("Unrecoverable error: 'NoneType' object has no attribute 'hostname'"). Here that case is
a connection error: the restore is skipped (the messages stay in Redis' unacked index and
come back after the visibility timeout, and the outbox sweeper re-publishes anything
still pending), and the worker reconnects as it does for any other connection loss.
tests/integration/test_campaign_launch.py stops Redis mid-fan-out to prove it.
"""

from kombu.transport import redis as kombu_redis
from redis.exceptions import ConnectionError as RedisConnectionError


class Channel(kombu_redis.Channel):
    def _connparams(self, asynchronous=False):
        if self.connection.client is None:
            raise RedisConnectionError("the broker connection was closed")
        return super()._connparams(asynchronous=asynchronous)


class Transport(kombu_redis.Transport):
    Channel = Channel

"""Telegram's sending limits kept by every instance together: the sliding windows of handlers/ratelimit.py, held in
Redis and updated by one atomic script, so that all instances of one bot never send more than 30 messages in any
second (1 000 for messages sent as paid broadcasts, counted apart), 20 a minute to a group and (for messages nobody
waits for) 3 in any 3 seconds to a private chat.

A window is a sorted set of the messages let through: a message enters with a provisional score (now + the
longest a request may take) and, once its answer came back, counts from then for a full window — as in the
in-process limiter, whatever the time on the way. The script reads Redis's own clock, so the instances' clocks
do not matter. An instance that dies with messages on their way frees their places once their provisional time
has passed. A 429 is shared too: Telegram's pause (for everyone, or for a chat) holds every instance.

If Redis cannot be reached, sending goes on: this instance falls back to the in-process limiter at its share of
the limits (`fallback_share`, e.g. 1/3 for three instances) — logged — and returns to the shared budget once Redis
answers again and its own last sends have left the overall and private windows. The in-process windows count this
instance's sends all along, so its share starts from what it has just sent, never from empty windows. When only some
instances lose Redis, the total may exceed the limits by their shares for that time; Telegram's 429s are then
retried as usual.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import math
import uuid
from dataclasses import dataclass
from typing import Any

from redis.asyncio import Redis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import RedisError

from danhgia.handlers.ratelimit import SlidingWindowRateLimiter

log = logging.getLogger(__name__)
FLIGHT_SECONDS = 30.0  # longer than any request may take (connect 5 + write 5 + read 12 s): an entry's place
REDIS_TIMEOUT = 0.5  # seconds a Redis call may take before this instance sends on its own share
PROBE_SECONDS = 5.0  # while Redis cannot be reached, how often it is tried again
MAX_POLL = 0.05  # a window full of messages still on their way is looked at again this soon

# KEYS: the windows (ARGV[1] of them), then the pause keys. ARGV: that count, the message's token, its provisional
# time, the wait when a window is full of messages on their way, then each window's limit and period.
# Returns {1, now} when the message may go (it is counted in every window), else {0, seconds to wait}.
RESERVE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local n = tonumber(ARGV[1])
local wait = 0
for i = n + 1, #KEYS do
  local ms = redis.call('PTTL', KEYS[i])
  if ms > 0 and ms / 1000 > wait then wait = ms / 1000 end
end
if wait > 0 then return {0, tostring(wait)} end
for i = 1, n do
  local limit = tonumber(ARGV[3 + 2 * i])
  local period = tonumber(ARGV[4 + 2 * i])
  redis.call('ZREMRANGEBYSCORE', KEYS[i], '-inf', now - period)
  if redis.call('ZCARD', KEYS[i]) >= limit then
    local first = tonumber(redis.call('ZRANGE', KEYS[i], 0, 0, 'WITHSCORES')[2])
    local w = first + period - now
    if first > now then w = tonumber(ARGV[4]) end
    if w > wait then wait = w end
  end
end
if wait > 0 then return {0, tostring(wait)} end
local flight = tonumber(ARGV[3])
for i = 1, n do
  local period = tonumber(ARGV[4 + 2 * i])
  redis.call('ZADD', KEYS[i], now + flight, ARGV[2])
  redis.call('PEXPIRE', KEYS[i], math.ceil((flight + period) * 1000))
end
return {1, tostring(now)}
"""
# KEYS: the windows the message was counted in. ARGV: its token. Its answer came back: it counts from now.
SETTLE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
for i = 1, #KEYS do
  redis.call('ZADD', KEYS[i], 'XX', now, ARGV[1])
end
return 1
"""


@dataclass(frozen=True)
class Ticket:
    """A message let through: by the shared budget (its token and windows) or by this instance's share."""

    token: str | None
    keys: tuple[str, ...]
    local: Any = None


class SharedRateLimiter(SlidingWindowRateLimiter):
    """The sliding-window limiter with its windows in Redis, shared by every instance using the same `prefix`
    (give each bot its own, e.g. with its id); the in-process limiter at `fallback_share` while Redis is away."""

    def __init__(
        self,
        redis_url: str,
        *,
        prefix: str = "danhgia:rl",
        fallback_share: float = 1 / 3,
        overall_per_second: int = 30,
        private_burst: int = 3,
        private_period: float = 3.0,
        group_per_minute: int = 20,
        margin: float = 0.01,
        max_retries: int = 5,
        flight_seconds: float = FLIGHT_SECONDS,
        client: Redis | None = None,
        paid_per_second: int = 1000,
    ) -> None:
        super().__init__(
            overall_per_second, private_burst, private_period, group_per_minute, margin, max_retries, paid_per_second
        )
        self.redis: Redis = client or Redis.from_url(
            redis_url,
            socket_timeout=REDIS_TIMEOUT,
            socket_connect_timeout=REDIS_TIMEOUT,
            retry=Retry(NoBackoff(), 0),
        )
        self.prefix = "{" + prefix + "}"  # one hash slot: the script may touch every key in a Redis cluster
        self.flight_seconds = flight_seconds
        self.overall_limit = overall_per_second
        self.fallback_share = fallback_share
        self.fallback = SlidingWindowRateLimiter(
            max(1, math.floor(overall_per_second * fallback_share)),
            max(1, math.floor(private_burst * fallback_share)),
            private_period,
            max(1, math.floor(group_per_minute * fallback_share)),
            margin,
            max_retries,
            max(1, math.floor(paid_per_second * fallback_share)),
        )
        self._reserve = self.redis.register_script(RESERVE)
        self._settle = self.redis.register_script(SETTLE)
        self._tokens = itertools.count()
        self._origin = uuid.uuid4().hex[:12]
        self._probe: asyncio.Task[None] | None = None

    @property
    def shared(self) -> bool:
        """Whether the shared budget is in use now (False: this instance sends on its own share)."""
        return self._probe is None

    def _windows(self, chat_id: int | None, bulk: bool, paid: bool = False) -> list[tuple[str, int, float]]:
        if paid:  # a paid broadcast: Telegram's 1 000 a second, not the 30 of the others
            windows = [(f"{self.prefix}:paid", self.paid.limit, self.paid.period)]
        else:
            windows = [(f"{self.prefix}:all", self.overall.limit, self.overall.period)]
        if chat_id is not None and (bulk or paid or chat_id < 0):
            if chat_id < 0:
                windows.append((f"{self.prefix}:chat:{chat_id}", self.group_per_minute, 60.0))
            else:
                windows.append((f"{self.prefix}:chat:{chat_id}", self.private_burst, self.private_period))
        return windows

    async def reserve(self, chat_id: int | None, bulk: bool, paid: bool = False) -> Any:
        """Wait until the shared budget lets one more message go to this chat, and count it there (`paid`: in the
        shared window of paid broadcasts instead of the overall one)."""
        await self._retry_after.wait()
        await self._chat_pause(chat_id)
        windows = self._windows(chat_id, bulk, paid)
        pauses = [f"{self.prefix}:pause"] + ([f"{self.prefix}:pause:{chat_id}"] if chat_id is not None else [])
        token = f"{self._origin}:{next(self._tokens)}"
        args: list[Any] = [len(windows), token, self.flight_seconds, MAX_POLL]
        for _, limit, period in windows:
            args += [limit, period]
        keys = [key for key, _, _ in windows] + pauses
        while self.shared:
            try:
                allowed, value = await self._reserve(keys=keys, args=args)
            except (RedisError, OSError, TimeoutError) as error:
                self._lost(error)
                break
            if int(allowed) == 1:  # counted on this instance's share too, should Redis go away
                return Ticket(token, tuple(key for key, _, _ in windows), self.fallback.count(chat_id, bulk, paid))
            await asyncio.sleep(max(0.001, min(float(value), 60.0)))
        return Ticket(None, (), await self.fallback.reserve(chat_id, bulk, paid))

    async def settle(self, reservation: Any) -> None:
        """The message's answer came back: in the shared windows it counts for a full window from now."""
        assert isinstance(reservation, Ticket)
        if reservation.local is not None:
            await self.fallback.settle(reservation.local)
        if reservation.token is None:
            return
        try:
            await self._settle(keys=list(reservation.keys), args=[reservation.token])
        except (RedisError, OSError, TimeoutError) as error:  # its provisional time frees the place later
            self._lost(error)

    async def flood(self, chat_id: int | None, seconds: float) -> None:
        """Telegram asked to wait: every instance waits (for this chat, or for everything)."""
        key = f"{self.prefix}:pause" + ("" if chat_id is None else f":{chat_id}")
        with contextlib.suppress(RedisError, OSError, TimeoutError):
            await self.redis.set(key, 1, px=max(1, int(seconds * 1000) + 100))

    def _lost(self, error: BaseException) -> None:
        if self._probe is not None:
            return
        log.warning(
            "Redis cannot be reached (%s): this instance sends at most %d messages a second until it is back",
            error,
            self.fallback.overall.limit,
        )
        self._probe = asyncio.create_task(self._wait_for_redis(), name="danhgia redis probe")

    async def _wait_for_redis(self) -> None:
        while True:
            await asyncio.sleep(PROBE_SECONDS)
            with contextlib.suppress(RedisError, OSError, TimeoutError):
                await self.redis.ping()
                break
        # The shared windows never saw what this instance sent meanwhile: let it leave the windows it counts in.
        await asyncio.sleep(max(self.fallback.overall.period, self.fallback.private_period))
        log.info("Redis answers again: the budget shared by every instance is used again")
        self._probe = None

    async def initialize(self) -> None:
        """Check that Redis answers (otherwise start on this instance's share, and keep trying)."""
        try:
            await self.redis.ping()
        except (RedisError, OSError, TimeoutError) as error:
            self._lost(error)

    async def shutdown(self) -> None:
        """Stop trying Redis and close its connections."""
        probe, self._probe = self._probe, None
        if probe is not None:
            probe.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await probe
        with contextlib.suppress(RedisError, OSError):
            await self.redis.aclose()

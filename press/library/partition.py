"""Which shard a briefing belongs to: a stable hash of its slug, the same on every machine and
every run. `library --shard K/N` builds the briefings of shard K (press/library/shards.py), and
the search index groups its pages the same way (press/library/search.py)."""

from __future__ import annotations

import hashlib


def shard_of(slug: str, count: int) -> int:
    """The shard (0-based) a slug belongs to, of `count`."""
    return int.from_bytes(hashlib.sha256(slug.encode("utf-8")).digest()[:8], "big") % count


def in_shard(slug: str, shard: tuple[int, int] | None) -> bool:
    """Whether a slug is in shard K of N (`shard`: (K, N), 1-based; None: the whole library)."""
    return shard is None or shard_of(slug, shard[1]) == shard[0] - 1

"""A publisher's library: catalogue, OPDS, search, shards."""

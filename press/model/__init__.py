"""The briefing as frozen records (manifest, targets, briefing): records only."""

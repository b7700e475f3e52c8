"""The plan, state, output batch and budget of one briefing's build."""

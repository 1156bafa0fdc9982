"""Time rules for anything that recurs at a chat's or a learner's local time."""

"""The question of the day: subscriptions and their settings, the scheduler and its ledger, the
reveal, group answers, the leaderboard, chat membership and migration.
"""

"""The private drill: /drill and /next, topic choice, progress (/stats), reminders, deep links to
an item.
"""

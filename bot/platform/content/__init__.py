"""Content: the file format, its Markdown, its loading and its synchronisation into the database.
``python -m bot.platform.content check`` validates a content directory.
"""

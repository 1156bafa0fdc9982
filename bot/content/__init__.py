"""Content: the file format, its loading and its synchronisation into the database."""

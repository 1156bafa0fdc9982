"""Start, language and the fallback reply."""

"""Business logic: plain values and a session in, plain results out; no Telegram here."""

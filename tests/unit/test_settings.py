"""Settings: one clear line naming every bad setting; the token never shown."""

from __future__ import annotations

import logging
import re

import pytest

from bot.platform.config import SettingsError, load_settings
from bot.platform.logs import RedactingFormatter

TOKEN = "123456789:AAH-fake-token-for-tests-only-xxxxxxxxx"
SCALE_OUT_SETTINGS = ("WEBHOOK_URL", "WEBHOOK_SECRET", "WEBHOOK_HOST", "WEBHOOK_PORT",
                      "METRICS_PORT", "REDIS_URL")


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: object) -> None:
    for name in ("BOT_TOKEN", "DATABASE_URL", "TELEGRAM_API_URL", "ADMIN_IDS", "LOG_LEVEL",
                 "DEFAULT_LANGUAGE", "DEFAULT_TIMEZONE", "SIGNATURE", "IMPORT_MAX_BYTES",
                 *SCALE_OUT_SETTINGS):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(str(tmp_path))  # no stray .env


def test_only_the_token_is_required(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BOT_TOKEN", TOKEN)
    settings = load_settings()
    assert settings.database_url == "sqlite+aiosqlite:///data/bot.db"
    assert settings.telegram_api_url is None
    assert settings.admin_ids == frozenset()
    assert settings.import_max_bytes == 20_000_000  # the Bot API lets a bot download 20 MB
    assert TOKEN not in repr(settings)


def test_a_missing_token_is_named() -> None:
    with pytest.raises(SettingsError, match=r"^invalid settings: BOT_TOKEN: is required$"):
        load_settings()


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("BOT_TOKEN", "not-a-token", "BOT_TOKEN: must look like"),
        ("ADMIN_IDS", "12,abc", "ADMIN_IDS: must be Telegram user ids"),
        ("DEFAULT_TIMEZONE", "Mars/Olympus", "DEFAULT_TIMEZONE: unknown time zone"),
        ("LOG_LEVEL", "LOUD", "LOG_LEVEL: Input should be"),
        ("TELEGRAM_API_URL", "nope", "TELEGRAM_API_URL: Input should be a valid URL"),
        ("DATABASE_URL", "mysql://x", "DATABASE_URL: must start with"),
        ("IMPORT_MAX_BYTES", "0", "IMPORT_MAX_BYTES: Input should be greater than 0"),
        ("IMPORT_MAX_BYTES", "50000000", "IMPORT_MAX_BYTES: Input should be less than or equal"),
        ("WEBHOOK_URL", "http://bot.example.com/hook", "WEBHOOK_URL: must be an https:// URL"),
        ("WEBHOOK_SECRET", "has spaces!", "WEBHOOK_SECRET: must be 1-256 characters of A-Z"),
        ("WEBHOOK_SECRET", "x" * 257, "WEBHOOK_SECRET: must be 1-256 characters"),
        ("WEBHOOK_PORT", "70000", "WEBHOOK_PORT: Input should be less than or equal to 65535"),
        ("METRICS_PORT", "0", "METRICS_PORT: Input should be greater than or equal to 1"),
        ("REDIS_URL", "localhost:6379", "REDIS_URL: must start with redis://"),
    ],
)
def test_a_malformed_setting_is_named_on_one_line(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str, message: str
) -> None:
    monkeypatch.setenv("BOT_TOKEN", TOKEN)
    monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError) as error:
        load_settings()
    assert message in str(error.value)
    assert "\n" not in str(error.value)
    assert "not-a-token" not in str(error.value)
    assert "has spaces!" not in str(error.value)  # a secret is not quoted back


def test_admin_ids_are_comma_separated(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BOT_TOKEN", TOKEN)
    monkeypatch.setenv("ADMIN_IDS", " 12, 34 ,")
    assert load_settings().admin_ids == frozenset({12, 34})


def test_log_output_never_contains_the_token() -> None:
    formatter = RedactingFormatter("%(message)s", [TOKEN])
    record = logging.LogRecord("x", logging.ERROR, __file__, 1,
                               "GET https://api.telegram.org/bot%s/getMe", (TOKEN,), None)
    secret_half = TOKEN.partition(":")[2]
    other = logging.LogRecord("x", logging.ERROR, __file__, 1, "half: %s", (secret_half,), None)
    assert TOKEN not in formatter.format(record)
    assert secret_half not in formatter.format(other)


def test_empty_values_mean_polling_without_redis(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BOT_TOKEN", TOKEN)
    for name in SCALE_OUT_SETTINGS:
        monkeypatch.setenv(name, "")
    monkeypatch.setenv("WEBHOOK_HOST", "0.0.0.0")
    monkeypatch.setenv("WEBHOOK_PORT", "8080")
    settings = load_settings()
    assert (settings.webhook_url, settings.redis_url, settings.metrics_port) == (None, None, None)


def test_without_a_secret_every_replica_derives_the_same_valid_one(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("BOT_TOKEN", TOKEN)
    monkeypatch.setenv("WEBHOOK_URL", "https://bot.example.com/tg/hook")
    first, second = load_settings().webhook_secret_token(), load_settings().webhook_secret_token()
    assert first == second
    assert re.fullmatch(r"[A-Za-z0-9_-]{1,256}", first)
    assert TOKEN.partition(":")[2] not in first

    monkeypatch.setenv("BOT_TOKEN", "987654321:AAother-token-for-tests-only-xxxxxxx")
    assert load_settings().webhook_secret_token() != first
    monkeypatch.setenv("WEBHOOK_SECRET", "chosen-by-the-operator")
    assert load_settings().webhook_secret_token() == "chosen-by-the-operator"

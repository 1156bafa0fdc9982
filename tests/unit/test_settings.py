"""Settings: one clear line naming every bad setting; the token never shown."""

from __future__ import annotations

import logging

import pytest

from bot.config import SettingsError, load_settings
from bot.logs import RedactingFormatter

TOKEN = "123456789:AAH-fake-token-for-tests-only-xxxxxxxxx"


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: object) -> None:
    for name in ("BOT_TOKEN", "DATABASE_URL", "TELEGRAM_API_URL", "ADMIN_IDS", "LOG_LEVEL",
                 "DEFAULT_LANGUAGE", "DEFAULT_TIMEZONE", "SIGNATURE", "IMPORT_MAX_BYTES"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(str(tmp_path))  # no stray .env


def test_only_the_token_is_required(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BOT_TOKEN", TOKEN)
    settings = load_settings()
    assert settings.database_url == "sqlite+aiosqlite:///data/bot.db"
    assert settings.telegram_api_url is None
    assert settings.admin_ids == frozenset()
    assert settings.import_max_bytes == 1_000_000
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

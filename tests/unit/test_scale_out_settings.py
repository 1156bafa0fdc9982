"""Webhook and Redis settings: clear one-line errors; a secret every replica derives alike."""

from __future__ import annotations

import re

import pytest

from bot.config import SettingsError, load_settings

TOKEN = "123456789:AAH-fake-token-for-tests-only-xxxxxxxxx"
SCALE_OUT_SETTINGS = ("WEBHOOK_URL", "WEBHOOK_SECRET", "WEBHOOK_HOST", "WEBHOOK_PORT",
                      "METRICS_PORT", "REDIS_URL")


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: object) -> None:
    for name in SCALE_OUT_SETTINGS:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("BOT_TOKEN", TOKEN)
    monkeypatch.chdir(str(tmp_path))  # no stray .env


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("WEBHOOK_URL", "http://bot.example.com/hook", "WEBHOOK_URL: must be an https:// URL"),
        ("WEBHOOK_SECRET", "has spaces!", "WEBHOOK_SECRET: must be 1-256 characters of A-Z"),
        ("WEBHOOK_SECRET", "x" * 257, "WEBHOOK_SECRET: must be 1-256 characters"),
        ("WEBHOOK_PORT", "70000", "WEBHOOK_PORT: Input should be less than or equal to 65535"),
        ("METRICS_PORT", "0", "METRICS_PORT: Input should be greater than or equal to 1"),
        ("REDIS_URL", "localhost:6379", "REDIS_URL: must start with redis://"),
    ],
)
def test_a_bad_scale_out_setting_is_named_on_one_line(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str, message: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError) as error:
        load_settings()
    assert message in str(error.value)
    assert "\n" not in str(error.value)
    assert "has spaces!" not in str(error.value)  # a secret is not quoted back


def test_empty_values_mean_polling_without_redis(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in SCALE_OUT_SETTINGS:
        monkeypatch.setenv(name, "")
    monkeypatch.setenv("WEBHOOK_HOST", "0.0.0.0")
    monkeypatch.setenv("WEBHOOK_PORT", "8080")
    settings = load_settings()
    assert (settings.webhook_url, settings.redis_url, settings.metrics_port) == (None, None, None)


def test_without_a_secret_every_replica_derives_the_same_valid_one(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("WEBHOOK_URL", "https://bot.example.com/tg/hook")
    first, second = load_settings().webhook_secret_token(), load_settings().webhook_secret_token()
    assert first == second
    assert re.fullmatch(r"[A-Za-z0-9_-]{1,256}", first)
    assert TOKEN.partition(":")[2] not in first

    monkeypatch.setenv("BOT_TOKEN", "987654321:AAother-token-for-tests-only-xxxxxxx")
    assert load_settings().webhook_secret_token() != first
    monkeypatch.setenv("WEBHOOK_SECRET", "chosen-by-the-operator")
    assert load_settings().webhook_secret_token() == "chosen-by-the-operator"

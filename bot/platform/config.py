"""Settings, from the environment and an optional ``.env`` file."""

from __future__ import annotations

import hashlib
import importlib.util
import re
from pathlib import Path
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AnyHttpUrl, Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from bot.platform.shutdown import DEFAULT_GRACE_SECONDS

DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///data/bot.db"
# The Bot API lets a bot download files of up to 20 MB (getFile): no upload can be bigger.
TELEGRAM_DOWNLOAD_MAX_BYTES = 20_000_000
DEFAULT_IMPORT_MAX_BYTES = TELEGRAM_DOWNLOAD_MAX_BYTES
DEFAULT_TIMEZONE = "Europe/Moscow"
DEFAULT_INTERVIEW_QUIZ_SECONDS = 60
DEFAULT_INTERVIEW_QUESTION_SECONDS = 180
DEFAULT_MAX_REVIEWS_PER_DAY = 50
ANSWER_BATCH_SIZE = 100  # one getUpdates page
_TOKEN_PATTERN = re.compile(r"^\d{1,20}:[A-Za-z0-9_-]{30,64}$")
# Telegram's rule for setWebhook's secret_token.
_WEBHOOK_SECRET_PATTERN = re.compile(r"^[A-Za-z0-9_-]{1,256}$")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", frozen=True
    )

    bot_token: SecretStr
    database_url: str = DEFAULT_DATABASE_URL
    telegram_api_url: AnyHttpUrl | None = None
    admin_ids: Annotated[frozenset[int], NoDecode] = frozenset()
    default_language: Literal["ru", "en"] = "ru"
    default_timezone: str = DEFAULT_TIMEZONE
    signature: str = Field(default="", max_length=64)
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    content_dir: Path = Path("content")
    # /import refuses bigger files before downloading them (a zip's unpacked size has its own cap).
    import_max_bytes: int = Field(default=DEFAULT_IMPORT_MAX_BYTES, gt=0,
                                  le=TELEGRAM_DOWNLOAD_MAX_BYTES)
    # Mock interviews: a quiz's open period (Telegram allows 5 s and up) and the time to think
    # over an open question before its answer is revealed.
    interview_quiz_seconds: int = Field(default=DEFAULT_INTERVIEW_QUIZ_SECONDS, ge=5, le=3600)
    interview_question_seconds: int = Field(
        default=DEFAULT_INTERVIEW_QUESTION_SECONDS, ge=10, le=3600
    )
    # A drill's reviews per learner per local day: a backlog after a break is spread over days.
    max_reviews_per_day: int = Field(default=DEFAULT_MAX_REVIEWS_PER_DAY, ge=1, le=1000)
    # Daily posts missed while the bot was down go out on recovery if at most this late.
    daily_grace_hours: float = Field(default=3.0, ge=0, le=24 * 7)
    # Messages per second over all chats; 0 lifts the limit (per-chat limits stay).
    telegram_rate_limit: float = Field(default=25.0, ge=0)
    # Daily posts as paid broadcasts: up to 1000 messages/s overall, 0.1 Star per message over
    # the free limit, paid from the bot's Star balance.
    paid_broadcast: bool = False
    # Several replicas on one PostgreSQL: each needs its own stable name (default: the host
    # name). A replica's unfinished daily posts are taken over by the others after the lease.
    replica_id: str = Field(default="", max_length=64, pattern=r"^[A-Za-z0-9_.-]*$")
    daily_lease_seconds: float = Field(default=60.0, ge=1, le=3600)
    # Answer posts as rich messages (formulas, tables, collapsed solutions); off: entity text.
    rich_messages: bool = True
    # Webhook mode when set: Telegram POSTs updates to this public https URL (path included).
    webhook_url: AnyHttpUrl | None = None
    # Telegram sends it with every update; empty = derived from the token, so replicas agree.
    webhook_secret: SecretStr | None = None
    webhook_host: str = "0.0.0.0"  # all interfaces: in a container, behind the proxy
    webhook_port: int = Field(default=8080, ge=1, le=65535)
    # Polling mode: serve /healthz and /metrics on this port too (webhook mode serves them on
    # WEBHOOK_PORT).
    metrics_port: int | None = Field(default=None, ge=1, le=65535)
    # Dialog state and per-user update isolation in Redis (needed with several replicas).
    redis_url: str | None = None
    # Quiz answers stored per transaction at most; 1 stores each on its own (a baseline).
    answer_batch_size: int = Field(default=ANSWER_BATCH_SIZE, ge=1, le=500)
    # From SIGTERM to exit at most: docker stop sends SIGKILL 10 s after SIGTERM.
    shutdown_grace_seconds: float = Field(default=DEFAULT_GRACE_SECONDS, gt=0, le=600)

    @field_validator("bot_token")
    @classmethod
    def _token_shape(cls, token: SecretStr) -> SecretStr:
        # The message must not quote the value: it is a secret.
        if not _TOKEN_PATTERN.fullmatch(token.get_secret_value()):
            raise ValueError("must look like 123456789:AA… (the token @BotFather gave you)")
        return token

    @field_validator("admin_ids", mode="before")
    @classmethod
    def _comma_separated(cls, value: object) -> object:
        if isinstance(value, str):
            parts = [part.strip() for part in value.split(",") if part.strip()]
            if not all(re.fullmatch(r"-?\d+", part) for part in parts):
                raise ValueError("must be Telegram user ids separated by commas, like 1234,5678")
            return frozenset(int(part) for part in parts)
        return value

    @field_validator("default_timezone")
    @classmethod
    def _known_timezone(cls, name: str) -> str:
        try:
            ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(
                f"unknown time zone {name!r}; use an IANA name like Europe/Moscow"
            ) from None
        return name

    @field_validator("database_url")
    @classmethod
    def _supported_database(cls, url: str) -> str:
        if not url.startswith(("sqlite+aiosqlite://", "postgresql+asyncpg://")):
            raise ValueError("must start with sqlite+aiosqlite:// or postgresql+asyncpg://")
        return url

    @field_validator("webhook_url")
    @classmethod
    def _https_only(cls, url: AnyHttpUrl | None) -> AnyHttpUrl | None:
        if url is not None and url.scheme != "https":
            raise ValueError("must be an https:// URL (Telegram delivers webhooks over HTTPS only)")
        return url

    @field_validator("webhook_secret")
    @classmethod
    def _secret_shape(cls, secret: SecretStr | None) -> SecretStr | None:
        if secret is None or not secret.get_secret_value():
            return None
        if not _WEBHOOK_SECRET_PATTERN.fullmatch(secret.get_secret_value()):
            raise ValueError("must be 1-256 characters of A-Z, a-z, 0-9, _ and -")
        return secret

    @field_validator("redis_url")
    @classmethod
    def _redis_scheme(cls, url: str | None) -> str | None:
        if not url:
            return None
        if not url.startswith(("redis://", "rediss://", "unix://")):
            raise ValueError("must start with redis://, rediss:// or unix://")
        if importlib.util.find_spec("redis") is None:
            raise ValueError("needs the redis package: pip install '.[redis]'")
        return url

    @field_validator("telegram_api_url", "webhook_url", "metrics_port", mode="before")
    @classmethod
    def _empty_is_unset(cls, value: object) -> object:
        """``NAME=`` in .env (as in .env.example) means the default, not an invalid value."""
        return None if value == "" else value

    def webhook_secret_token(self) -> str:
        """WEBHOOK_SECRET, or one derived from the token: the same on every replica, and
        knowing it does not reveal the token."""
        if self.webhook_secret is not None:
            return self.webhook_secret.get_secret_value()
        token = self.bot_token.get_secret_value().encode()
        return hashlib.sha256(b"webhook-secret:" + token).hexdigest()


class SettingsError(Exception):
    """Settings that stop the bot; the message is one line naming each bad setting."""


def load_settings() -> Settings:
    try:
        return Settings()
    except ValidationError as error:
        problems = []
        for detail in error.errors(include_url=False, include_input=False):
            name = str(detail["loc"][0]).upper() if detail["loc"] else "settings"
            message = "is required" if detail["type"] == "missing" else detail["msg"]
            problems.append(f"{name}: {message.removeprefix('Value error, ')}")
        raise SettingsError("invalid settings: " + "; ".join(problems)) from None

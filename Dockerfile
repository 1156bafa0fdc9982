FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1

RUN useradd --create-home --uid 10001 bot
WORKDIR /app

COPY pyproject.toml README.md ./
COPY bot ./bot
COPY migrations ./migrations
COPY content ./content
# Editable install: migrations/ and content/ stay next to the package, catalogs get compiled.
RUN pip install -e '.[postgres,redis]' && mkdir -p /app/data && chown -R bot:bot /app/data /app/bot/locales

USER bot
VOLUME ["/app/data"]
# Webhook mode (WEBHOOK_URL set): the webhook, /healthz and /metrics.
EXPOSE 8080
CMD ["python", "-m", "bot"]

# syntax=docker/dockerfile:1
# cchc-bot: the Telegram bot, long polling by default, webhook when CCHC_WEBHOOK_URL is set.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app

# 1. Dependencies only (from pyproject.toml), in their own layer: code changes do not reinstall them.
COPY pyproject.toml README.md ./
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" \
        > /tmp/requirements.txt \
    && pip install -r /tmp/requirements.txt \
    && rm /tmp/requirements.txt

# 2. The bot itself and the bundled knowledge folder.
COPY bot ./bot
COPY knowledge ./knowledge
RUN pip install --no-deps . \
    && useradd --system --uid 10001 --home-dir /app --shell /usr/sbin/nologin cchc \
    && mkdir -p /data \
    && chown cchc:cchc /data \
    && chown -R cchc:cchc /app/knowledge

# The database (knowledge index + query log) lives on a volume; /app/knowledge can be
# replaced by a mounted folder of articles (then /reload re-reads it). The bot user owns it,
# since /add and CCHC_FEEDS write new articles there.
ENV CCHC_DB_PATH=/data/cchc-bot.sqlite3 \
    CCHC_KNOWLEDGE_DIR=/app/knowledge
VOLUME ["/data"]

USER cchc

# Only used in webhook mode (CCHC_WEBHOOK_URL set; CCHC_WEBHOOK_PORT defaults to 8443).
EXPOSE 8443

# Healthy = the database holds articles and the bot's heartbeat (written every 30 s) is fresh.
HEALTHCHECK --interval=60s --timeout=10s --start-period=60s --retries=3 CMD ["cchc-bot", "health"]

CMD ["cchc-bot", "run"]

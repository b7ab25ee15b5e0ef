# cchc-bot: the Telegram bot, long polling by default, webhook when CCHC_WEBHOOK_URL is set.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app

# 1. Dependencies only (from pyproject.toml), in their own layer: code and README changes do not reinstall them.
COPY pyproject.toml ./
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" \
        > /tmp/requirements.txt \
    && pip install -r /tmp/requirements.txt \
    && rm /tmp/requirements.txt

# 2. The bot itself and the bundled knowledge folder (README.md: the package's metadata names it).
COPY README.md ./
COPY bot ./bot
COPY knowledge ./knowledge
RUN pip install --no-deps . \
    && groupadd --system --gid 10001 cchc \
    && useradd --system --uid 10001 --gid 10001 --home-dir /app --shell /usr/sbin/nologin cchc \
    && mkdir -p /data \
    && chown cchc:cchc /data \
    && chown -R cchc:cchc /app/knowledge

# The database (knowledge index + query log) lives on a volume, and so does the knowledge folder:
# /add, CCHC_FEEDS and `cchc-bot ingest` write new articles there, which must outlive the container
# (a new named volume starts as a copy of the bundled articles). The bot user owns both.
ENV CCHC_DB_PATH=/data/cchc-bot.sqlite3 \
    CCHC_KNOWLEDGE_DIR=/app/knowledge
VOLUME ["/data", "/app/knowledge"]

USER cchc

# Only used in webhook mode (CCHC_WEBHOOK_URL set; CCHC_WEBHOOK_PORT defaults to 8443).
EXPOSE 8443

# Healthy = the database holds articles and the bot's heartbeat (written every 30 s) is fresh.
HEALTHCHECK --interval=60s --timeout=10s --start-period=60s --retries=3 CMD ["cchc-bot", "health"]

CMD ["cchc-bot", "run"]

# One image for every role: `reminders migrate | api | worker`.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    # `reminders migrate` finds alembic.ini and alembic/ next to the service package.
    PYTHONPATH=/app

WORKDIR /app
COPY pyproject.toml README.md alembic.ini ./
COPY alembic ./alembic
COPY service ./service
COPY scheduler ./scheduler
RUN pip install . \
    && useradd --system --uid 10001 --home-dir /app --shell /usr/sbin/nologin reminders \
    && mkdir -p /app/var && chown reminders /app/var && chmod 700 /app/var

USER reminders
EXPOSE 8000
CMD ["reminders", "api"]

# One image for web, worker, beat and the set-up step (see docker-compose.yml).
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app
RUN useradd --create-home --uid 1000 buurtbeurs

# Dependencies first, pinned by the same constraints CI tested with.
COPY pyproject.toml constraints.txt README.md ./
RUN pip install -c constraints.txt .

COPY --chown=buurtbeurs:buurtbeurs . .
# collectstatic needs settings but no database; a throwaway key is enough at build time.
RUN SECRET_KEY=build-only DEBUG=0 python manage.py collectstatic --noinput --verbosity 0 \
    && mkdir -p /app/media /app/private && chown buurtbeurs:buurtbeurs /app/media /app/private \
    && chmod 700 /app/private

USER buurtbeurs
EXPOSE 8000
CMD ["bin/web"]

# Production image: the same uv lock file as development, collected static files.
# The build and run commands are portal/deploy.py's, as in the Procfile.
FROM python:3.12-slim
ENV PYTHONUNBUFFERED=1 UV_PROJECT_ENVIRONMENT=/app/.venv PATH="/app/.venv/bin:$PATH"
WORKDIR /app
RUN pip install --no-cache-dir uv
COPY pyproject.toml uv.lock ./
RUN uv sync --frozen --no-dev --extra s3
COPY . .
RUN SECRET_KEY=build-only DEBUG=0 python -m portal.deploy build
RUN useradd --system tandem && mkdir -p /app/var && chown -R tandem /app/var
USER tandem
EXPOSE 8000
CMD ["python", "-m", "portal.deploy", "web"]

# monitor: multilingual news monitor. State (and translation models) live in the /data volume;
# mount your config at /config/config.yaml (secrets come from the environment, not the image).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 \
    ORT_DISABLE_TELEMETRY=1 MONITOR_CONFIG=/config/config.yaml

# apertium + apertium-bel-rus: the offline Belarusian→Russian route for translation.
RUN apt-get update \
    && apt-get install -y --no-install-recommends apertium apertium-bel-rus \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY pyproject.toml README.md ./
COPY monitor ./monitor
RUN pip install . && useradd --create-home --uid 10001 monitor \
    && mkdir -p /data /config && chown monitor:monitor /data
COPY config.yaml /config/config.yaml

USER monitor
VOLUME ["/data"]
EXPOSE 9090
HEALTHCHECK --interval=60s --timeout=5s --start-period=30s --retries=3 \
    CMD python -c "import urllib.request,sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:9090/healthz', timeout=4).status == 200 else 1)"
CMD ["monitor", "run", "--state", "/data/monitor.db", "--health-port", "9090"]

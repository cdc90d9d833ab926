# monitor: multilingual news monitor. State (and translation models) live in the /data volume;
# mount your config at /config/config.yaml (secrets come from the environment, not the image).
#
# The base is an exact tag: Python 3.11.7 on Debian 12 (bookworm), the interpreter and the Debian
# release the test suite and CI run on, and where the apertium packages below come from. A
# floating tag (python:3.11-slim) moves to a newer Python and a newer Debian release under the
# same name, so the same Dockerfile would build something nobody tested. Move it deliberately,
# with a test run; add the digest (FROM python:3.11.7-slim-bookworm@sha256:…) where a registry
# policy asks for one.
FROM python:3.11.7-slim-bookworm

# MONITOR_STATE: every command (`docker exec … monitor status`, `monitor outbox`) uses the state
# in the volume, not a monitor.db next to the config.
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 \
    ORT_DISABLE_TELEMETRY=1 MONITOR_CONFIG=/config/config.yaml MONITOR_STATE=/data/monitor.db

# apertium + apertium-bel-rus: the offline Belarusian→Russian route for translation (bookworm's
# versions).
RUN apt-get update \
    && apt-get install -y --no-install-recommends apertium=3.8.3-1+b2 \
       apertium-bel-rus=0.2.1-2 \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY pyproject.toml README.md ./
COPY monitor ./monitor
# argos-translate-lt requires MiniSBD, and so onnxruntime (78 MB, with protobuf and
# flatbuffers), for its own translator, which monitor never imports: translating and
# installing packages use only Argos's package format and tokenizers
# (tests/integration/test_translate_cli.py checks that onnxruntime is never imported).
# [postgres]: psycopg for `state: postgresql://…` (several monitors on one database; compose.yaml).
RUN pip install '.[postgres]' \
    && pip uninstall -y onnxruntime minisbd flatbuffers protobuf filelock \
    && groupadd --gid 10001 monitor \
    && useradd --uid 10001 --gid 10001 --create-home monitor \
    && mkdir -p /data /config && chown 10001:10001 /data
COPY config.yaml /config/config.yaml

USER 10001:10001
VOLUME ["/data"]
# The health server listens on every interface inside the container, so that a published port
# (docker run -p 9090:9090) reaches /healthz and /metrics; nothing is reachable unpublished.
EXPOSE 9090
HEALTHCHECK --interval=60s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import urllib.request, sys; sys.exit(urllib.request.urlopen('http://127.0.0.1:9090/healthz', timeout=4).status != 200)"]
CMD ["monitor", "run", "--health-host", "0.0.0.0", "--health-port", "9090"]

"""compose.yaml (three monitors on one PostgreSQL) read as Compose would read it: docker cannot
run here, so this checks what a reader would: each monitor waits for the migration, which waits
for a healthy database; the state URL reaches monitor with its `${VAR}` for monitor to fill in
(`$$` is Compose's literal `$`); the password comes from the environment only; each node has its
own models volume and its own loopback health port; keys are ones the Compose specification
defines (schema/compose-spec.json of compose-spec/compose-spec, read for this test)."""

from pathlib import Path

import yaml

COMPOSE = Path(__file__).resolve().parents[2] / "compose.yaml"
# The service keys this file may use, from the Compose specification's service definition.
SERVICE_KEYS = {"build", "image", "environment", "volumes", "depends_on", "restart",
                "stop_grace_period", "command", "healthcheck", "hostname", "ports"}
HEALTHCHECK_KEYS = {"test", "interval", "timeout", "retries", "start_period", "start_interval",
                    "disable"}
CONDITIONS = {"service_started", "service_healthy", "service_completed_successfully"}


def load():
    return yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))  # resolves the << merges


def monitors(doc):
    return {name: s for name, s in doc["services"].items() if name.startswith("monitor-")}


def test_compose_uses_only_keys_the_specification_defines():
    doc = load()
    assert set(doc) <= {"name", "services", "volumes", "networks", "secrets", "configs"} | \
        {k for k in doc if k.startswith("x-")}
    for name, service in doc["services"].items():
        assert set(service) <= SERVICE_KEYS, (name, set(service) - SERVICE_KEYS)
        for dep in (service.get("depends_on") or {}).values():
            assert dep["condition"] in CONDITIONS
        assert set(service.get("healthcheck", {})) <= HEALTHCHECK_KEYS


def test_three_monitors_start_after_the_migration_which_waits_for_the_database():
    doc = load()
    nodes = monitors(doc)
    assert len(nodes) == 3
    for service in nodes.values():
        assert service["depends_on"] == {"migrate": {"condition": "service_completed_successfully"}}
    assert doc["services"]["migrate"]["command"] == ["monitor", "migrate"]
    assert doc["services"]["migrate"]["depends_on"] == {"db": {"condition": "service_healthy"}}
    assert doc["services"]["migrate"]["restart"] == "no"


def test_the_state_url_carries_the_variable_for_monitor_and_no_password():
    doc = load()
    for name in [*monitors(doc), "migrate"]:
        env = doc["services"][name]["environment"]
        state = env["MONITOR_STATE"]
        # After Compose's interpolation `$${X}` is `${X}`: monitor fills it in and masks it.
        assert state.startswith("postgresql://monitor:$${MONITOR_DB_PASSWORD}@db:5432/monitor")
        assert env["MONITOR_DB_PASSWORD"].startswith("${MONITOR_DB_PASSWORD:?")
    assert doc["services"]["db"]["environment"]["POSTGRES_PASSWORD"].startswith(
        "${MONITOR_DB_PASSWORD:?")


def test_each_node_has_its_own_models_volume_and_loopback_health_port():
    doc = load()
    nodes = monitors(doc)
    volumes = [v for s in nodes.values() for v in s["volumes"] if v.endswith(":/data")]
    ports = [p for s in nodes.values() for p in s["ports"]]
    assert len(set(volumes)) == 3 and len(set(ports)) == 3
    assert all(p.startswith("127.0.0.1:") and p.endswith(":9090") for p in ports)
    assert {v.split(":")[0] for v in volumes} <= set(doc["volumes"])
    assert all("./config.yaml:/config/config.yaml:ro" in s["volumes"] for s in nodes.values())

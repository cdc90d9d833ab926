"""A real Matrix homeserver for tests: Synapse (PyPI `matrix-synapse`) on 127.0.0.1 with SQLite.

Synapse runs from its own virtualenv, `.cache/synapse-venv` in the checkout (gitignored), made
on first use and reused by later runs (about 30 s to install, 240 MB; Synapse is AGPL and only
runs as a test peer, it is not shipped). The server listens on loopback with the client API
only, federation off (`trusted_key_servers: []`), and users are registered with the shared
secret admin API.
"""

from __future__ import annotations

import fcntl
import hashlib
import hmac
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import httpx

from support.ports import free_port

ROOT = Path(__file__).resolve().parents[2]
VENV = Path(os.environ.get("MONITOR_SYNAPSE_VENV", ROOT / ".cache" / "synapse-venv"))
SECRET = "monitor-test-registration-secret"


class SynapseUnavailable(Exception):
    pass


def synapse_python() -> Path:
    """The venv's python, installing matrix-synapse into it the first time."""
    python = VENV / "bin" / "python"
    marker = VENV / ".monitor-ready"
    if marker.exists() and python.exists():
        return python
    VENV.parent.mkdir(parents=True, exist_ok=True)
    # pytest-xdist workers may get here together: one installs, the others wait for it.
    with open(VENV.parent / ".synapse-venv.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if marker.exists() and python.exists():
            return python
        return _install(python, marker)


def _install(python: Path, marker: Path) -> Path:
    try:
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True,
                       capture_output=True, timeout=120)
        subprocess.run([str(python), "-m", "pip", "install", "-q", "matrix-synapse"],
                       check=True, capture_output=True, timeout=900)
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired, OSError) as exc:
        detail = getattr(exc, "stderr", b"") or b""
        raise SynapseUnavailable(f"pip install matrix-synapse into {VENV} failed: "
                                 f"{detail.decode(errors='replace')[-500:] or exc}") from None
    marker.write_text("ok\n")
    return python


@dataclass
class User:
    user_id: str
    access_token: str


class Synapse:
    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen | None = None
        self.client = httpx.Client(base_url=self.url, timeout=30, trust_env=False)

    def _config(self) -> Path:
        w = self.workdir
        config = w / "homeserver.yaml"
        config.write_text(f"""
server_name: "localhost"
pid_file: "{w}/homeserver.pid"
listeners:
  - port: {self.port}
    bind_addresses: ["127.0.0.1"]
    type: http
    tls: false
    x_forwarded: false
    resources: [{{names: [client], compress: false}}]
database:
  name: sqlite3
  args: {{database: "{w}/homeserver.db"}}
media_store_path: "{w}/media"
signing_key_path: "{w}/localhost.signing.key"
registration_shared_secret: "{SECRET}"
report_stats: false
trusted_key_servers: []
presence: {{enabled: false}}
enable_metrics: false
suppress_key_server_warning: true
""", encoding="utf-8")
        return config

    def start(self, timeout: float = 120.0) -> "Synapse":
        python = synapse_python()
        config = self._config()
        self.log = log = open(self.workdir / "synapse.log", "wb")
        subprocess.run([str(python), "-m", "synapse.app.homeserver", "-c", str(config),
                        "--generate-keys"], check=True, cwd=self.workdir, stdout=log,
                       stderr=subprocess.STDOUT, timeout=120)
        self.proc = subprocess.Popen([str(python), "-m", "synapse.app.homeserver", "-c",
                                      str(config)], cwd=self.workdir, stdout=log,
                                     stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise SynapseUnavailable(f"synapse exited with {self.proc.returncode}: "
                                         f"{(self.workdir / 'synapse.log').read_text()[-800:]}")
            try:
                if self.client.get("/_matrix/client/versions").status_code == 200:
                    return self
            except httpx.TransportError:
                pass
            time.sleep(0.2)
        self.stop()
        raise SynapseUnavailable(f"synapse did not answer within {timeout:g} s")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.client.close()
        if getattr(self, "log", None) is not None:
            self.log.close()

    # -- client-server API helpers -----------------------------------------------------------

    def register(self, name: str, password: str = "pw-for-tests") -> User:
        nonce = self.client.get("/_synapse/admin/v1/register").json()["nonce"]
        mac = hmac.new(SECRET.encode(), b"\0".join([nonce.encode(), name.encode(),
                                                    password.encode(), b"notadmin"]),
                       hashlib.sha1).hexdigest()
        r = self.client.post("/_synapse/admin/v1/register", json={
            "nonce": nonce, "username": name, "password": password, "admin": False, "mac": mac})
        r.raise_for_status()
        doc = r.json()
        return User(doc["user_id"], doc["access_token"])

    def create_room(self, owner: User, invite: list[User]) -> str:
        r = self.client.post("/_matrix/client/v3/createRoom", headers=_auth(owner), json={
            "preset": "private_chat", "invite": [u.user_id for u in invite]})
        r.raise_for_status()
        room = r.json()["room_id"]
        for user in invite:
            self.client.post(f"/_matrix/client/v3/rooms/{quote(room, safe='')}/join",
                             headers=_auth(user), json={}).raise_for_status()
        return room

    def messages(self, reader: User, room: str) -> list[dict]:
        """Every m.room.message event in the room, oldest first."""
        r = self.client.get(f"/_matrix/client/v3/rooms/{quote(room, safe='')}/messages",
                            headers=_auth(reader), params={"dir": "b", "limit": 1000})
        r.raise_for_status()
        return [e for e in reversed(r.json()["chunk"]) if e["type"] == "m.room.message"]


def _auth(user: User) -> dict[str, str]:
    return {"Authorization": f"Bearer {user.access_token}"}

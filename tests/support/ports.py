"""A free TCP port on 127.0.0.1, for servers that must be told their port before they start
(aiosmtpd's Controller checks readiness by connecting to it; Synapse and the daemon's health
port are configured with it), so port 0 cannot be used."""

import socket


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]

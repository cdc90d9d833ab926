"""Unit tests run with sockets disabled: anything that tries the network fails loudly."""

import socket

import pytest


@pytest.fixture(autouse=True)
def no_sockets(monkeypatch):
    connect = socket.socket.connect

    def refuse(self, address, *args, **kwargs):
        if self.family == getattr(socket, "AF_UNIX", None):
            return connect(self, address, *args, **kwargs)
        raise AssertionError(f"unit tests must not use the network (connect to {address!r})")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)

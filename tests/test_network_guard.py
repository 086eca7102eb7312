"""Tests reach loopback only: pytest-socket (configured in pyproject's addopts) refuses every other address."""

from __future__ import annotations

import socket

import pytest
from pytest_socket import SocketConnectBlockedError


@pytest.mark.filterwarnings("ignore:A test tried to use socket")
def test_a_host_outside_the_allow_list_is_refused_before_any_packet_leaves() -> None:
    # 127.0.0.2 is loopback too, so even a broken guard sends nothing off the machine; it is not on the list.
    with pytest.raises(SocketConnectBlockedError):
        socket.create_connection(("127.0.0.2", 9), timeout=1)

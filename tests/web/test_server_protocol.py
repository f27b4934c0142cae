"""The served connections send small responses at once, also with several workers.

With `--workers N` the server listens on a socket it made without naming TCP, so the
event loop leaves the kernel's small-packet batching on for the connections it accepts;
the protocol switches it off itself (web/server_protocol.py).
"""

from __future__ import annotations

import asyncio
import socket

from uvicorn.config import Config
from uvicorn.server import ServerState

from joinedup.web.server_protocol import NoDelayHTTPProtocol


async def _server_side_nodelay() -> int:
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)  # proto 0, as with workers
    listener.bind(("127.0.0.1", 0))
    config = Config(app=lambda *_: None)
    config.load()
    state = ServerState()
    made: list[NoDelayHTTPProtocol] = []

    def protocol() -> NoDelayHTTPProtocol:
        made.append(NoDelayHTTPProtocol(config=config, server_state=state, app_state={}))
        return made[-1]

    server = await asyncio.get_running_loop().create_server(protocol, sock=listener)
    try:
        port = listener.getsockname()[1]
        _reader, writer = await asyncio.open_connection("127.0.0.1", port)
        for _ in range(100):
            if made and made[0].transport is not None:
                break
            await asyncio.sleep(0.01)
        sock = made[0].transport.get_extra_info("socket")
        nodelay = sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)
        writer.close()
        return nodelay
    finally:
        server.close()


def test_accepted_connections_have_small_packet_batching_off() -> None:
    assert asyncio.run(_server_side_nodelay()) != 0

#!/usr/bin/python3
"""Plays one scripted workerman-chat conversation against chat-server.py.

Two users in room 1, each on its own connection from a fixed client port:

  mynick (port 47273)  logs in, says "Merhaba, herkes!", answers the server's
                       first {"type":"ping"} heartbeat with {"type":"pong"};
  ayse   (port 47274)  then logs in and says a Turkish sentence with non-ASCII
                       letters; ayse closes (code 1000), mynick sees her logout
                       and closes (code 1000).

Client messages are written the way workerman-chat's browser page writes them
(compact JSON, UTF-8 text as typed, to_client_name "所有人" = "everyone").
Every step waits for the server's answer and fails loudly on anything else, so
the sequence on the wire is fixed; run it within one --ping-interval of the
server (e.g. 1 s) so that exactly one heartbeat reaches mynick and none ayse.

--compression none (default) offers no extension; --compression deflate offers
permessage-deflate (websockets' default). Run with /usr/bin/python3:
    /usr/bin/python3 samples/chat-client.py --port 47272 --compression none
"""

import argparse
import asyncio
import json
import socket
import sys

import websockets

ORIGIN = "http://127.0.0.1:55151"  # workerman-chat's web page is served on port 55151
TURKISH = "Günaydın! Çay içelim mi? ğüşiöç ĞÜŞİÖÇ"


def browser_json(message):
    """Compact JSON with UTF-8 text as typed, like the page's string building."""
    return json.dumps(message, ensure_ascii=False, separators=(",", ":"))


async def open_user(server_port, client_port, compression):
    """Connects from a fixed client port so that captures are easy to compare."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", client_port))
    sock.setblocking(False)
    await asyncio.get_running_loop().sock_connect(sock, ("127.0.0.1", server_port))
    return await websockets.connect(
        f"ws://127.0.0.1:{server_port}/",
        sock=sock,
        origin=ORIGIN,
        compression=compression,
        ping_interval=None,
    )


async def expect(websocket, who, kind, timeout):
    text = await asyncio.wait_for(websocket.recv(), timeout)
    message = json.loads(text)
    if message.get("type") != kind:
        raise SystemExit(f"{who}: expected {kind!r}, got {text}")
    print(f"{who} <- {text}", flush=True)
    return message


async def say(websocket, who, message):
    text = browser_json(message)
    print(f"{who} -> {text}", flush=True)
    await websocket.send(text)


async def conversation(args):
    compression = None if args.compression == "none" else "deflate"
    timeout = args.ping_interval + 5

    mynick = await open_user(args.port, args.first_client_port, compression)
    await say(mynick, "mynick", {"type": "login", "client_name": "mynick", "room_id": "1"})
    await expect(mynick, "mynick", "login", timeout)
    await say(
        mynick,
        "mynick",
        {"type": "say", "to_client_id": "all", "to_client_name": "所有人", "content": "Merhaba, herkes!"},
    )
    await expect(mynick, "mynick", "say", timeout)
    await expect(mynick, "mynick", "ping", timeout)
    await say(mynick, "mynick", {"type": "pong"})

    ayse = await open_user(args.port, args.first_client_port + 1, compression)
    await say(ayse, "ayse", {"type": "login", "client_name": "ayse", "room_id": "1"})
    await expect(mynick, "mynick", "login", timeout)
    await expect(ayse, "ayse", "login", timeout)
    await say(ayse, "ayse", {"type": "say", "to_client_id": "all", "to_client_name": "所有人", "content": TURKISH})
    await expect(mynick, "mynick", "say", timeout)
    await expect(ayse, "ayse", "say", timeout)

    await ayse.close(code=1000)
    await expect(mynick, "mynick", "logout", timeout)
    await mynick.close(code=1000)
    print(f"closed: ayse {ayse.close_code}, mynick {mynick.close_code}", flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=47272, help="the server's port")
    parser.add_argument("--first-client-port", type=int, default=47273, help="mynick's port; ayse's is the next")
    parser.add_argument("--compression", choices=("none", "deflate"), default="none")
    parser.add_argument("--ping-interval", type=float, default=1.0, help="the server's heartbeat interval")
    asyncio.run(conversation(parser.parse_args()))


if __name__ == "__main__":
    sys.exit(main())

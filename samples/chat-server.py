#!/usr/bin/python3
"""A workerman-chat compatible WebSocket chat server, for making sample captures.

It speaks the JSON protocol of workerman-chat (the PHP demo chat by walkor,
Applications/Chat/Events.php and start_gateway.php), re-implemented from its
documented behaviour on Debian's python3-websockets 10.4:

* every connection gets the heartbeat text '{"type":"ping"}' every
  --ping-interval seconds (workerman-chat: pingInterval 10, pingData as here);
  the client answers '{"type":"pong"}', which is ignored;
* login {"type":"login","client_name":..,"room_id":..}: the login event
  {"type":"login","client_id":..,"client_name":..,"time":..} goes to the others
  in the room, then the same plus "client_list" {client_id: name} to the new user;
  a nick already in the room gets {"type":"error","code":101,"msg":..};
* say {"type":"say","to_client_id":"all",..,"content":..}: the room gets
  {"type":"say","from_client_id":..,"from_client_name":..,"to_client_id":"all",
  "content":..,"time":..}; a private say goes to the addressee and back to the
  sender with workerman-chat's prefixes;
* disconnect: the room gets {"type":"logout","from_client_id":..,
  "from_client_name":..,"time":..}.

Like PHP's json_encode, server messages are compact, escape non-ASCII as \\uXXXX
and "/" as "\\/"; names and content pass through htmlspecialchars, content through
nl2br. Client ids are 20 hex digits like GatewayWorker's: IPv4 address, port and
a connection counter (7f000001 b8a8 00000001 for the first client on port 47272).

Differences from the real thing: one process (no Gateway/BusinessWorker/Register),
a per-connection heartbeat timer instead of one global timer, and
permessage-deflate is accepted when a client offers it (workerman does not
implement WebSocket extensions); websockets' own protocol-level PING frames are
off, so the only heartbeats are workerman-chat's JSON ones.

Run with /usr/bin/python3 (Debian's python3-websockets), not another python3:
    /usr/bin/python3 samples/chat-server.py --port 47272 --time "2024-01-01 10:00:00"
It prints "listening 127.0.0.1:PORT" once the socket is bound, and stops
cleanly on SIGTERM or SIGINT.
"""

import argparse
import asyncio
import datetime
import itertools
import json
import signal
import socket
import struct
import sys

import websockets

NICK_TAKEN = "同一个聊天室昵称不能重复"  # workerman-chat's message: "nick already used in this room"
YOU_SAID_PREFIX = "<b>对你说: </b>"  # "said to you: "


def php_json(message):
    """Encodes like PHP's json_encode with default flags."""
    return json.dumps(message, ensure_ascii=True, separators=(",", ":")).replace("/", "\\/")


def html_escape(text):
    """PHP 8.1 htmlspecialchars() with its default ENT_QUOTES flags."""
    return (
        text.replace("&", "&amp;")
        .replace('"', "&quot;")
        .replace("'", "&#039;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
    )


def nl2br(text):
    return text.replace("\r\n", "<br />\r\n").replace("\n", "<br />\n")


class ChatServer:
    def __init__(self, host, port, ping_interval, fixed_time):
        self.host = host
        self.port = port
        self.ping_interval = ping_interval
        self.fixed_time = fixed_time
        self.ids = itertools.count(1)
        self.connections = {}  # client_id -> websocket
        self.sessions = {}  # client_id -> {"room_id":.., "client_name":..}
        self.groups = {}  # room_id -> [client_id, ...] in join order

    def now(self):
        if self.fixed_time:
            return self.fixed_time
        return datetime.datetime.now().strftime("%Y-%m-%d %H:%M:%S")

    def new_client_id(self):
        address = struct.unpack("!I", socket.inet_aton(self.host))[0]
        return struct.pack("!IHI", address, self.port, next(self.ids)).hex()

    async def send(self, client_id, text):
        websocket = self.connections.get(client_id)
        if websocket is not None:
            try:
                await websocket.send(text)
            except websockets.ConnectionClosed:
                pass

    async def send_to_group(self, room_id, text):
        for client_id in list(self.groups.get(room_id, [])):
            await self.send(client_id, text)

    async def heartbeat(self, client_id):
        while True:
            await asyncio.sleep(self.ping_interval)
            await self.send(client_id, '{"type":"ping"}')

    async def handler(self, websocket, path=None):
        client_id = self.new_client_id()
        self.connections[client_id] = websocket
        pinger = asyncio.create_task(self.heartbeat(client_id))
        try:
            async for message in websocket:
                if isinstance(message, str):
                    await self.on_message(client_id, message)
        except websockets.ConnectionClosed:
            pass
        finally:
            pinger.cancel()
            await self.on_close(client_id)
            del self.connections[client_id]

    async def on_message(self, client_id, message):
        try:
            data = json.loads(message)
        except ValueError:
            return
        if not isinstance(data, dict) or not data:
            return
        kind = data.get("type")
        if kind == "pong":
            return
        if kind == "login":
            await self.on_login(client_id, data)
        elif kind == "say":
            await self.on_say(client_id, data)

    async def on_login(self, client_id, data):
        if "room_id" not in data:
            return  # workerman-chat throws, which logs and ignores the message
        room_id = data["room_id"]
        client_name = html_escape(str(data.get("client_name", "")))
        members = self.groups.setdefault(room_id, [])
        if any(self.sessions[m]["client_name"] == client_name for m in members):
            await self.send(client_id, php_json({"type": "error", "code": 101, "msg": NICK_TAKEN}))
            return
        self.sessions[client_id] = {"room_id": room_id, "client_name": client_name}
        client_list = {m: self.sessions[m]["client_name"] for m in members}
        client_list[client_id] = client_name
        login = {"type": "login", "client_id": client_id, "client_name": client_name, "time": self.now()}
        await self.send_to_group(room_id, php_json(login))
        members.append(client_id)
        login["client_list"] = client_list
        await self.send(client_id, php_json(login))

    async def on_say(self, client_id, data):
        session = self.sessions.get(client_id)
        if session is None:
            return
        content = nl2br(html_escape(str(data.get("content", ""))))
        to_client_id = data.get("to_client_id")
        say = {
            "type": "say",
            "from_client_id": client_id,
            "from_client_name": session["client_name"],
            "to_client_id": to_client_id,
            "content": content,
            "time": self.now(),
        }
        if to_client_id != "all":
            say["content"] = YOU_SAID_PREFIX + content
            await self.send(to_client_id, php_json(say))
            to_name = html_escape(str(data.get("to_client_name", "")))
            say["content"] = "<b>你对" + to_name + "说: </b>" + content  # "you said to NAME: "
            await self.send(client_id, php_json(say))
            return
        await self.send_to_group(session["room_id"], php_json(say))

    async def on_close(self, client_id):
        session = self.sessions.pop(client_id, None)
        if session is None:
            return
        room_id = session["room_id"]
        self.groups[room_id].remove(client_id)
        logout = {
            "type": "logout",
            "from_client_id": client_id,
            "from_client_name": session["client_name"],
            "time": self.now(),
        }
        await self.send_to_group(room_id, php_json(logout))

    async def run(self):
        loop = asyncio.get_running_loop()
        stop = loop.create_future()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, stop.set_result, None)
        async with websockets.serve(self.handler, self.host, self.port, ping_interval=None):
            print(f"listening {self.host}:{self.port}", flush=True)
            await stop
        print("stopped", flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=47272)
    parser.add_argument("--ping-interval", type=float, default=10.0, help="seconds between heartbeats")
    parser.add_argument("--time", help='fixed "time" value for every event, for reproducible samples')
    args = parser.parse_args()
    asyncio.run(ChatServer(args.host, args.port, args.ping_interval, args.time).run())


if __name__ == "__main__":
    sys.exit(main())

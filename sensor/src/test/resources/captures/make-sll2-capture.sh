#!/usr/bin/env bash
# Makes tapflow-sll2-lo.pcap: one short TCP conversation on loopback, captured by tcpdump on the
# "any" device, which tcpdump 4.99 writes as Linux cooked v2 (LINKTYPE_LINUX_SLL2, 276).
#
# Server 127.0.0.1:47231, client 127.0.0.1:47232 (fixed, so the capture's endpoints are known).
# The client sends "ping from tapflow\n", the server answers "pong from tapflow\n" and both close.
#
# Needs root (or CAP_NET_RAW), tcpdump and python3. Run from any directory:
#   bash sensor/src/test/resources/captures/make-sll2-capture.sh
# then update the expected values in PcapSourceOfflineTest if the capture changed.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
out="$here/tapflow-sll2-lo.pcap"
server_port=47231
client_port=47232
log="$(mktemp)"
trap 'rm -f "$log"' EXIT

tcpdump -i any -U -w "$out" "tcp port $server_port" 2>"$log" &
tcpdump_pid=$!
for _ in $(seq 50); do
  grep -q "listening on" "$log" && break
  sleep 0.1
done
grep -q "listening on" "$log" || { cat "$log"; kill "$tcpdump_pid"; exit 1; }

python3 - "$server_port" "$client_port" <<'PY'
import socket, sys, threading

server_port, client_port = int(sys.argv[1]), int(sys.argv[2])
listener = socket.socket()
listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
listener.bind(("127.0.0.1", server_port))
listener.listen(1)

def serve():
    conn, _ = listener.accept()
    with conn:
        request = b""
        while not request.endswith(b"\n"):
            request += conn.recv(100)
        conn.sendall(b"pong from tapflow\n")
    listener.close()

server = threading.Thread(target=serve)
server.start()
client = socket.socket()
client.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
client.bind(("127.0.0.1", client_port))
client.connect(("127.0.0.1", server_port))
client.sendall(b"ping from tapflow\n")
reply = b""
while True:
    chunk = client.recv(100)
    if not chunk:
        break
    reply += chunk
client.close()
server.join()
assert reply == b"pong from tapflow\n", reply
PY

sleep 1
kill -INT "$tcpdump_pid"
wait "$tcpdump_pid" || true
cat "$log" >&2

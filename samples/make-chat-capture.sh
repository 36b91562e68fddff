#!/bin/bash
# Makes the committed sample captures samples/chat.pcap and samples/chat-deflate.pcap.
#
# How they were made: as root on Debian 12 (tcpdump 4.99, python3-websockets 10.4,
# tshark 4.0), from the repository root:
#     sudo samples/make-chat-capture.sh
# Regenerate the same way; the script overwrites both files, then prints what tshark
# decodes so it can be compared with samples/README.md.
#
# For each capture it starts tcpdump on the loopback interface (full snaplen, only
# TCP port 47272), starts samples/chat-server.py on 127.0.0.1:47272 with a 1 s
# heartbeat and a fixed event time, runs samples/chat-client.py (users mynick and
# ayse in room 1, see that file for the exact conversation), stops the server and
# then tcpdump with SIGINT, and checks with tshark that every expected WebSocket
# text message is in the file.
#
#   chat.pcap          no extension negotiated: tshark decodes every text message;
#                      client ports 47273 (mynick) and 47274 (ayse)
#   chat-deflate.pcap  permessage-deflate negotiated (websockets' default offer):
#                      every data frame is compressed (RSV1 set);
#                      client ports 47275 (mynick) and 47276 (ayse)
#
# What varies between runs: packet timestamps, TCP sequence numbers, the
# Sec-WebSocket-Key/Accept pair and the client masking keys (random by RFC 6455).
# What does not: ports, the message texts and their order, client ids and the
# "time" field (fixed with --time). Port 7272, workerman-chat's real port, is never
# used, so a real chat server on this host is neither disturbed nor captured.
#
# The server and client run under Debian's /usr/bin/python3 (which has
# python3-websockets), not whatever python3 comes first on PATH.
set -euo pipefail

PYTHON=/usr/bin/python3
PORT=47272
PING_INTERVAL=1
EVENT_TIME="2024-01-01 10:00:00"
EXPECTED_TEXT_MESSAGES=13

cd "$(dirname "$0")/.."
[ "$(id -u)" -eq 0 ] || { echo "run as root (tcpdump needs it)" >&2; exit 1; }
"$PYTHON" -c 'import websockets, sys; sys.exit(websockets.__version__ != "10.4")' \
  || { echo "$PYTHON needs python3-websockets 10.4" >&2; exit 1; }
# Connections in TIME-WAIT from an earlier run are harmless; anything else on the port is not.
if ss -Htan "( sport = :$PORT or dport = :$PORT )" | grep -v TIME-WAIT | grep -q .; then
  echo "port $PORT is in use:" >&2
  ss -tanp "( sport = :$PORT or dport = :$PORT )" >&2
  exit 1
fi

work=$(mktemp -d)
server_pid=
tcpdump_pid=
cleanup() {
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null || true
  [ -n "$tcpdump_pid" ] && kill -INT "$tcpdump_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

# wait_for FILE PATTERN: waits up to 10 s for PATTERN to appear in FILE.
wait_for() {
  for _ in $(seq 100); do
    grep -q "$2" "$1" 2>/dev/null && return 0
    sleep 0.1
  done
  echo "timed out waiting for '$2' in $1:" >&2
  cat "$1" >&2
  return 1
}

# capture OUTPUT COMPRESSION FIRST_CLIENT_PORT
capture() {
  local out=$1 compression=$2 client_port=$3
  rm -f "$out"
  # -Z root: stay root so the file can be written anywhere; -U: write each packet at once.
  tcpdump -i lo -s 0 -n -U -Z root -w "$out" "tcp port $PORT" 2>"$work/tcpdump.log" &
  tcpdump_pid=$!
  wait_for "$work/tcpdump.log" "listening on lo"

  "$PYTHON" samples/chat-server.py --port "$PORT" --ping-interval "$PING_INTERVAL" \
    --time "$EVENT_TIME" >"$work/server.log" 2>&1 &
  server_pid=$!
  # Readiness from the server's own log: probing the port would add a connection to the capture.
  wait_for "$work/server.log" "listening"

  "$PYTHON" samples/chat-client.py --port "$PORT" --first-client-port "$client_port" \
    --compression "$compression" --ping-interval "$PING_INTERVAL"

  kill -TERM "$server_pid"
  wait "$server_pid"
  server_pid=
  sleep 0.5 # let the last FIN/ACKs reach the capture
  kill -INT "$tcpdump_pid"
  wait "$tcpdump_pid" || true
  tcpdump_pid=
  cat "$work/tcpdump.log" >&2
}

# check OUTPUT: every text message decodes, in the expected number.
check() {
  local out=$1 texts
  texts=$(tshark -r "$out" -d tcp.port==$PORT,http -Y websocket.payload.text \
    -T fields -e websocket.payload.text)
  echo "== $out: $(tshark -r "$out" | wc -l) packets, $(stat -c %s "$out") bytes"
  echo "$texts"
  local count
  count=$(grep -c . <<<"$texts" || true)
  if [ "$count" -ne "$EXPECTED_TEXT_MESSAGES" ]; then
    echo "$out: expected $EXPECTED_TEXT_MESSAGES text messages, tshark decoded $count" >&2
    exit 1
  fi
  for want in '"content":"Merhaba, herkes!"' 'ğüşiöç ĞÜŞİÖÇ' '"type":"pong"' '"type":"logout"'; do
    grep -qF "$want" <<<"$texts" || { echo "$out: no message with $want" >&2; exit 1; }
  done
}

capture samples/chat.pcap none 47273
check samples/chat.pcap
capture samples/chat-deflate.pcap deflate 47275
check samples/chat-deflate.pcap
echo "ok: samples/chat.pcap samples/chat-deflate.pcap"

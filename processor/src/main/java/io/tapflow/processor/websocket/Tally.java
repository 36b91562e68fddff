package io.tapflow.processor.websocket;

import static io.tapflow.processor.websocket.WebSocketProtocol.OPCODE_BINARY;
import static io.tapflow.processor.websocket.WebSocketProtocol.OPCODE_CLOSE;
import static io.tapflow.processor.websocket.WebSocketProtocol.OPCODE_CONTINUATION;
import static io.tapflow.processor.websocket.WebSocketProtocol.OPCODE_PING;
import static io.tapflow.processor.websocket.WebSocketProtocol.OPCODE_PONG;
import static io.tapflow.processor.websocket.WebSocketProtocol.OPCODE_TEXT;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;

/** Counts one direction's frames, messages and bytes as they are decoded. */
final class Tally {

  /** The opcodes a message can have, in the order their counts are written. */
  private static final int[] MESSAGE_OPCODES = {
    OPCODE_TEXT, OPCODE_BINARY, OPCODE_CLOSE, OPCODE_PING, OPCODE_PONG
  };

  /** Frames by wire opcode, 0x0 to 0xF. */
  private final long[] frames = new long[16];

  /** Messages by wire opcode; only text, binary, close, ping and pong are ever counted. */
  private final long[] messages = new long[16];

  private long wireBytes;
  private long payloadBytes;
  private long skippedBytes;
  private long resynchronizations;

  void frame(int opcode) {
    frames[opcode]++;
  }

  void wireBytes(long n) {
    wireBytes += n;
  }

  void message(WsMessage message) {
    messages[message.opcode().code()]++;
    payloadBytes = saturatedAdd(payloadBytes, message.payloadLength());
  }

  void skippedBytes(long n) {
    skippedBytes += n;
  }

  void resynchronized() {
    resynchronizations++;
  }

  WebSocketCounters counters() {
    long reserved = 0;
    for (int opcode = 0; opcode < frames.length; opcode++) {
      if (WsOpcode.fromCode(opcode) == null && opcode != OPCODE_CONTINUATION) {
        reserved += frames[opcode];
      }
    }
    return new WebSocketCounters(
        frames[OPCODE_TEXT],
        frames[OPCODE_BINARY],
        frames[OPCODE_CONTINUATION],
        frames[OPCODE_CLOSE],
        frames[OPCODE_PING],
        frames[OPCODE_PONG],
        reserved,
        messages[OPCODE_TEXT],
        messages[OPCODE_BINARY],
        messages[OPCODE_CLOSE],
        messages[OPCODE_PING],
        messages[OPCODE_PONG],
        wireBytes,
        payloadBytes,
        skippedBytes,
        resynchronizations);
  }

  private static long saturatedAdd(long a, long b) {
    long sum = a + b;
    return sum < 0 ? Long.MAX_VALUE : sum;
  }

  void writeTo(DataOutput out) throws IOException {
    for (long n : frames) {
      out.writeLong(n);
    }
    for (int opcode : MESSAGE_OPCODES) {
      out.writeLong(messages[opcode]);
    }
    out.writeLong(wireBytes);
    out.writeLong(payloadBytes);
    out.writeLong(skippedBytes);
    out.writeLong(resynchronizations);
  }

  void readFrom(DataInput in) throws IOException {
    for (int i = 0; i < frames.length; i++) {
      frames[i] = in.readLong();
    }
    for (int opcode : MESSAGE_OPCODES) {
      messages[opcode] = in.readLong();
    }
    wireBytes = in.readLong();
    payloadBytes = in.readLong();
    skippedBytes = in.readLong();
    resynchronizations = in.readLong();
  }
}

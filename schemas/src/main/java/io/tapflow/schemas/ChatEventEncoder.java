package io.tapflow.schemas;

import static io.tapflow.schemas.AvroBinaryWriter.sizeOfBytes;
import static io.tapflow.schemas.AvroBinaryWriter.sizeOfLong;
import static io.tapflow.schemas.AvroBinaryWriter.sizeOfOptional;
import static io.tapflow.schemas.AvroBinaryWriter.utf8;

import java.util.Objects;

/**
 * Writes a {@link ChatEvent} field by field in schema order, byte for byte what Avro's writer
 * writes, into an array of exactly the value's size ({@code OutputEncodersTest} compares them).
 */
final class ChatEventEncoder implements BodyEncoder<ChatEvent> {
  @Override
  public byte[] encode(byte[] header, ChatEvent e) {
    byte[] connectionId = utf8(required(e.getConnectionId(), "connectionId"));
    long timestamp = AvroBinaryWriter.epochNanos(required(e.getTimestamp(), "timestamp"));
    int direction = required(e.getDirection(), "direction").ordinal();
    byte[] type = utf8(required(e.getType(), "type"));
    int kind = required(e.getKind(), "kind").ordinal();
    byte[] nick = optional(e.getNick());
    byte[] room = optional(e.getRoom());
    byte[] content = optional(e.getContent());
    byte[] fromClientId = optional(e.getFromClientId());
    byte[] toClientId = optional(e.getToClientId());
    int size =
        header.length
            + sizeOfBytes(connectionId.length)
            + sizeOfLong(timestamp)
            + sizeOfLong(direction)
            + sizeOfBytes(type.length)
            + sizeOfLong(kind)
            + sizeOfOptional(nick)
            + sizeOfOptional(room)
            + sizeOfOptional(content)
            + sizeOfOptional(fromClientId)
            + sizeOfOptional(toClientId);
    AvroBinaryWriter out = new AvroBinaryWriter(size);
    out.writeRaw(header);
    out.writeBytes(connectionId);
    out.writeLong(timestamp);
    out.writeInt(direction);
    out.writeBytes(type);
    out.writeInt(kind);
    out.writeOptional(nick);
    out.writeOptional(room);
    out.writeOptional(content);
    out.writeOptional(fromClientId);
    out.writeOptional(toClientId);
    return out.array();
  }

  private static byte[] optional(String s) {
    return s == null ? null : utf8(s);
  }

  private static <V> V required(V value, String field) {
    return Objects.requireNonNull(value, () -> "null value for ChatEvent." + field);
  }
}

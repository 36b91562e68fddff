package io.tapflow.schemas;

import static io.tapflow.schemas.AvroBinaryWriter.sizeOfBytes;
import static io.tapflow.schemas.AvroBinaryWriter.sizeOfLong;
import static io.tapflow.schemas.AvroBinaryWriter.sizeOfOptional;
import static io.tapflow.schemas.AvroBinaryWriter.utf8;
import static io.tapflow.schemas.BodyEncoder.required;

/**
 * Writes a {@link ChatEvent} field by field in schema order, byte for byte what Avro's writer
 * writes, into an array of exactly the value's size ({@code OutputEncodersTest} compares them).
 */
final class ChatEventEncoder implements BodyEncoder<ChatEvent> {
  private static final String RECORD = "ChatEvent";

  @Override
  public byte[] encode(byte[] header, ChatEvent e) {
    byte[] connectionId = utf8(required(e.getConnectionId(), RECORD, "connectionId"));
    long timestamp = AvroBinaryWriter.epochNanos(required(e.getTimestamp(), RECORD, "timestamp"));
    int direction = required(e.getDirection(), RECORD, "direction").ordinal();
    byte[] type = utf8(required(e.getType(), RECORD, "type"));
    int kind = required(e.getKind(), RECORD, "kind").ordinal();
    byte[] nick = utf8(e.getNick());
    byte[] room = utf8(e.getRoom());
    byte[] content = utf8(e.getContent());
    byte[] fromClientId = utf8(e.getFromClientId());
    byte[] toClientId = utf8(e.getToClientId());
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
}

package io.tapflow.schemas;

import static io.tapflow.schemas.AvroBinaryWriter.sizeOfBytes;
import static io.tapflow.schemas.AvroBinaryWriter.sizeOfLong;
import static io.tapflow.schemas.AvroBinaryWriter.sizeOfOptional;
import static io.tapflow.schemas.AvroBinaryWriter.utf8;
import static io.tapflow.schemas.BodyEncoder.required;

import java.nio.ByteBuffer;

/**
 * Writes a {@link WebSocketMessage} field by field in schema order, byte for byte what Avro's
 * writer writes, into an array of exactly the value's size.
 *
 * <p>Avro's generic writer walks the schema and converts the {@code timestamp-nanos} field for
 * every record (Avro generates no custom coders for records with logical types); one such record is
 * written per WebSocket message. {@code OutputEncodersTest} compares the bytes with Avro's.
 */
final class WebSocketMessageEncoder implements BodyEncoder<WebSocketMessage> {
  private static final String RECORD = "WebSocketMessage";

  @Override
  public byte[] encode(byte[] header, WebSocketMessage m) {
    byte[] connectionId = utf8(required(m.getConnectionId(), RECORD, "connectionId"));
    byte[] sensor = utf8(required(m.getSensor(), RECORD, "sensor"));
    byte[] client = utf8(required(m.getClient(), RECORD, "client"));
    byte[] server = utf8(required(m.getServer(), RECORD, "server"));
    int direction = required(m.getDirection(), RECORD, "direction").ordinal();
    long timestamp = AvroBinaryWriter.epochNanos(required(m.getTimestamp(), RECORD, "timestamp"));
    int opcode = required(m.getOpcode(), RECORD, "opcode").ordinal();
    byte[] text = utf8(m.getText());
    ByteBuffer payload = m.getPayload();
    Integer closeCode = m.getCloseCode();
    byte[] closeReason = utf8(m.getCloseReason());
    int size =
        header.length
            + sizeOfBytes(connectionId.length)
            + sizeOfBytes(sensor.length)
            + sizeOfBytes(client.length)
            + sizeOfBytes(server.length)
            + sizeOfLong(direction)
            + sizeOfLong(timestamp)
            + sizeOfLong(opcode)
            + sizeOfLong(m.getPayloadLength())
            + sizeOfOptional(text)
            + sizeOfOptional(payload)
            + 1 // truncated
            + (closeCode == null ? 1 : 1 + sizeOfLong(closeCode))
            + sizeOfOptional(closeReason)
            + 1 // compressed
            + sizeOfLong(m.getFragments())
            + sizeOfLong(m.getMissingBytes())
            + 1; // resynchronized
    AvroBinaryWriter out = new AvroBinaryWriter(size);
    out.writeRaw(header);
    out.writeBytes(connectionId);
    out.writeBytes(sensor);
    out.writeBytes(client);
    out.writeBytes(server);
    out.writeInt(direction);
    out.writeLong(timestamp);
    out.writeInt(opcode);
    out.writeLong(m.getPayloadLength());
    out.writeOptional(text);
    out.writeOptional(payload);
    out.writeBoolean(m.getTruncated());
    if (closeCode == null) {
      out.writeInt(0);
    } else {
      out.writeInt(1);
      out.writeInt(closeCode);
    }
    out.writeOptional(closeReason);
    out.writeBoolean(m.getCompressed());
    out.writeInt(m.getFragments());
    out.writeLong(m.getMissingBytes());
    out.writeBoolean(m.getResynchronized());
    return out.array();
  }
}

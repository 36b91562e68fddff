package io.tapflow.cli.output;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.json.JsonWriteFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tapflow.schemas.Anomaly;
import io.tapflow.schemas.ChatEvent;
import io.tapflow.schemas.ConnectionRecord;
import io.tapflow.schemas.WebSocketMessage;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Base64;

/**
 * Writes output records as JSON objects with the field names of the JSON lines contract (README):
 * timestamps as ISO-8601 UTC with microseconds, bytes as base64.
 */
public final class JsonLines {
  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final DateTimeFormatter MICROS =
      DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSSSS'Z'").withZone(ZoneOffset.UTC);

  private JsonLines() {}

  /** One messages.jsonl line. */
  public static ObjectNode message(WebSocketMessage m) {
    ObjectNode o = MAPPER.createObjectNode();
    o.put("connectionId", m.getConnectionId());
    o.put("client", m.getClient());
    o.put("server", m.getServer());
    o.put("direction", m.getDirection().name());
    o.put("timestamp", time(m.getTimestamp()));
    o.put("opcode", m.getOpcode().name());
    o.put("payloadLength", m.getPayloadLength());
    o.put("text", m.getText());
    o.put("payload", base64(m.getPayload()));
    o.put("truncated", m.getTruncated());
    o.put("closeCode", m.getCloseCode());
    o.put("closeReason", m.getCloseReason());
    o.put("compressed", m.getCompressed());
    o.put("fragments", m.getFragments());
    o.put("missingBytes", m.getMissingBytes());
    o.put("resynchronized", m.getResynchronized());
    return o;
  }

  /** One connections.jsonl line. */
  public static ObjectNode connection(ConnectionRecord c) {
    ObjectNode o = MAPPER.createObjectNode();
    o.put("connectionId", c.getConnectionId());
    o.put("client", c.getClient());
    o.put("server", c.getServer());
    o.put("sensor", c.getSensor());
    o.put("startTime", time(c.getStartTime()));
    o.put("endTime", time(c.getEndTime()));
    o.put("communityId", c.getCommunityId());
    o.put("state", c.getState());
    o.put("history", c.getHistory());
    o.put("tcpHandshakeMicros", c.getTcpHandshakeMicros());
    o.put("synToSynAckMicros", c.getSynToSynAckMicros());
    o.put("synAckToAckMicros", c.getSynAckToAckMicros());
    o.put("synRetransmissions", c.getSynRetransmissions());
    o.put("synAckRetransmissions", c.getSynAckRetransmissions());
    o.put("httpStatus", c.getHttpStatus());
    o.put("upgradeLatencyMicros", c.getUpgradeLatencyMicros());
    o.put("path", c.getPath());
    o.put("host", c.getHost());
    o.put("origin", c.getOrigin());
    o.put("userAgent", c.getUserAgent());
    o.put("subprotocol", c.getSubprotocol());
    o.put("extensions", c.getExtensions());
    o.put("offeredSubprotocols", c.getOfferedSubprotocols());
    o.put("offeredExtensions", c.getOfferedExtensions());
    o.put("midStream", c.getMidStream());
    o.set("clientWebSocket", counters(c.getClientWebSocket()));
    o.set("serverWebSocket", counters(c.getServerWebSocket()));
    o.put("clientBytes", c.getClientBytes());
    o.put("serverBytes", c.getServerBytes());
    o.put("clientMessages", c.getClientMessages());
    o.put("serverMessages", c.getServerMessages());
    o.put("clientPackets", c.getClientPackets());
    o.put("serverPackets", c.getServerPackets());
    o.put("retransmittedPackets", c.getRetransmittedPackets());
    o.put("outOfOrderPackets", c.getOutOfOrderPackets());
    o.put("duplicatePackets", c.getDuplicatePackets());
    o.put("missedBytes", c.getMissedBytes());
    o.put("truncatedBytes", c.getTruncatedBytes());
    o.put("durationMicros", c.getDurationMicros());
    o.put("endReason", c.getEndReason());
    o.put("closeCode", c.getCloseCode());
    o.put("closeReason", c.getCloseReason());
    o.put("final", c.getFinal$());
    return o;
  }

  private static com.fasterxml.jackson.databind.JsonNode counters(
      io.tapflow.schemas.WebSocketCounters c) {
    if (c == null) {
      return MAPPER.nullNode();
    }
    ObjectNode o = MAPPER.createObjectNode();
    for (org.apache.avro.Schema.Field f : c.getSchema().getFields()) {
      o.put(f.name(), (Long) c.get(f.pos()));
    }
    return o;
  }

  /** One chat.jsonl line. */
  public static ObjectNode chat(ChatEvent e) {
    ObjectNode o = MAPPER.createObjectNode();
    o.put("connectionId", e.getConnectionId());
    o.put("timestamp", time(e.getTimestamp()));
    o.put("direction", e.getDirection().name());
    o.put("type", e.getType());
    o.put("kind", e.getKind().name());
    o.put("nick", e.getNick());
    o.put("room", e.getRoom());
    o.put("content", e.getContent());
    o.put("fromClientId", e.getFromClientId());
    o.put("toClientId", e.getToClientId());
    return o;
  }

  /** One anomalies.jsonl line. */
  public static ObjectNode anomaly(Anomaly a) {
    ObjectNode o = MAPPER.createObjectNode();
    o.put("connectionId", a.getConnectionId());
    o.put("sensor", a.getSensor());
    o.put("client", a.getClient());
    o.put("server", a.getServer());
    o.put("timestamp", time(a.getTimestamp()));
    o.put("code", a.getCode());
    o.put("detail", a.getDetail());
    return o;
  }

  /**
   * Writes objects as JSON lines to a stream, straight as UTF-8 bytes (no String per line): what
   * {@link #line} gives, each followed by a newline.
   */
  public static final class Output implements AutoCloseable {
    /** Characters beyond the BMP as four UTF-8 bytes, as {@link #line}'s String encodes them. */
    private static final JsonFactory UTF8 =
        JsonFactory.builder().enable(JsonWriteFeature.COMBINE_UNICODE_SURROGATES_IN_UTF8).build();

    private final JsonGenerator generator;

    public Output(OutputStream out) throws IOException {
      generator = UTF8.createGenerator(out);
      generator.setCodec(MAPPER);
      generator.setRootValueSeparator(null);
    }

    public void write(ObjectNode o) throws IOException {
      generator.writeTree(o);
      generator.writeRaw('\n');
    }

    @Override
    public void close() throws IOException {
      generator.close();
    }
  }

  /** The object as one line of JSON. */
  public static String line(ObjectNode o) {
    try {
      return MAPPER.writeValueAsString(o);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  /** ISO-8601 UTC with exactly six fractional digits. */
  public static String time(Instant t) {
    return t == null ? null : MICROS.format(t);
  }

  private static String base64(ByteBuffer b) {
    if (b == null) {
      return null;
    }
    ByteBuffer d = b.duplicate();
    byte[] bytes = new byte[d.remaining()];
    d.get(bytes);
    return Base64.getEncoder().encodeToString(bytes);
  }
}

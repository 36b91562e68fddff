package io.tapflow.cli.output;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.json.JsonWriteFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.util.TokenBuffer;
import io.tapflow.schemas.Anomaly;
import io.tapflow.schemas.ChatEvent;
import io.tapflow.schemas.ConnectionRecord;
import io.tapflow.schemas.WebSocketCounters;
import io.tapflow.schemas.WebSocketMessage;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Base64;

/**
 * Writes output records as JSON objects with the field names of the JSON lines contract (README):
 * timestamps as ISO-8601 UTC with microseconds, bytes as base64.
 *
 * <p>Each record type's fields are written in one place, to a {@link JsonGenerator}: straight to a
 * file's bytes ({@link Output}), or into a tree ({@link #message} and the like) for callers that
 * want an object.
 */
public final class JsonLines {
  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final DateTimeFormatter MICROS =
      DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSSSS'Z'").withZone(ZoneOffset.UTC);

  /** Characters beyond the BMP as four UTF-8 bytes, as {@link #line}'s String encodes them. */
  private static final JsonFactory UTF8 =
      JsonFactory.builder().enable(JsonWriteFeature.COMBINE_UNICODE_SURROGATES_IN_UTF8).build();

  private JsonLines() {}

  /** One messages.jsonl line. */
  public static ObjectNode message(WebSocketMessage m) {
    return tree(g -> write(g, m));
  }

  /** One connections.jsonl line. */
  public static ObjectNode connection(ConnectionRecord c) {
    return tree(g -> write(g, c));
  }

  /** One chat.jsonl line. */
  public static ObjectNode chat(ChatEvent e) {
    return tree(g -> write(g, e));
  }

  /** One anomalies.jsonl line. */
  public static ObjectNode anomaly(Anomaly a) {
    return tree(g -> write(g, a));
  }

  /** Writes {@code m} as one messages.jsonl object. */
  public static void write(JsonGenerator g, WebSocketMessage m) throws IOException {
    g.writeStartObject();
    g.writeStringField("connectionId", m.getConnectionId());
    g.writeStringField("client", m.getClient());
    g.writeStringField("server", m.getServer());
    g.writeStringField("direction", m.getDirection().name());
    g.writeStringField("timestamp", time(m.getTimestamp()));
    g.writeStringField("opcode", m.getOpcode().name());
    g.writeNumberField("payloadLength", m.getPayloadLength());
    g.writeStringField("text", m.getText());
    g.writeStringField("payload", base64(m.getPayload()));
    g.writeBooleanField("truncated", m.getTruncated());
    number(g, "closeCode", m.getCloseCode());
    g.writeStringField("closeReason", m.getCloseReason());
    g.writeBooleanField("compressed", m.getCompressed());
    g.writeNumberField("fragments", m.getFragments());
    g.writeNumberField("missingBytes", m.getMissingBytes());
    g.writeBooleanField("resynchronized", m.getResynchronized());
    g.writeEndObject();
  }

  /** Writes {@code c} as one connections.jsonl object. */
  public static void write(JsonGenerator g, ConnectionRecord c) throws IOException {
    g.writeStartObject();
    g.writeStringField("connectionId", c.getConnectionId());
    g.writeStringField("client", c.getClient());
    g.writeStringField("server", c.getServer());
    g.writeStringField("sensor", c.getSensor());
    g.writeStringField("startTime", time(c.getStartTime()));
    g.writeStringField("endTime", time(c.getEndTime()));
    g.writeStringField("communityId", c.getCommunityId());
    g.writeStringField("state", c.getState());
    g.writeStringField("history", c.getHistory());
    number(g, "tcpHandshakeMicros", c.getTcpHandshakeMicros());
    number(g, "synToSynAckMicros", c.getSynToSynAckMicros());
    number(g, "synAckToAckMicros", c.getSynAckToAckMicros());
    g.writeNumberField("synRetransmissions", c.getSynRetransmissions());
    g.writeNumberField("synAckRetransmissions", c.getSynAckRetransmissions());
    number(g, "httpStatus", c.getHttpStatus());
    number(g, "upgradeLatencyMicros", c.getUpgradeLatencyMicros());
    g.writeStringField("path", c.getPath());
    g.writeStringField("host", c.getHost());
    g.writeStringField("origin", c.getOrigin());
    g.writeStringField("userAgent", c.getUserAgent());
    g.writeStringField("subprotocol", c.getSubprotocol());
    g.writeStringField("extensions", c.getExtensions());
    g.writeStringField("offeredSubprotocols", c.getOfferedSubprotocols());
    g.writeStringField("offeredExtensions", c.getOfferedExtensions());
    g.writeBooleanField("midStream", c.getMidStream());
    counters(g, "clientWebSocket", c.getClientWebSocket());
    counters(g, "serverWebSocket", c.getServerWebSocket());
    g.writeNumberField("clientBytes", c.getClientBytes());
    g.writeNumberField("serverBytes", c.getServerBytes());
    g.writeNumberField("clientMessages", c.getClientMessages());
    g.writeNumberField("serverMessages", c.getServerMessages());
    g.writeNumberField("clientPackets", c.getClientPackets());
    g.writeNumberField("serverPackets", c.getServerPackets());
    g.writeNumberField("retransmittedPackets", c.getRetransmittedPackets());
    g.writeNumberField("outOfOrderPackets", c.getOutOfOrderPackets());
    g.writeNumberField("duplicatePackets", c.getDuplicatePackets());
    g.writeNumberField("missedBytes", c.getMissedBytes());
    g.writeNumberField("truncatedBytes", c.getTruncatedBytes());
    g.writeNumberField("durationMicros", c.getDurationMicros());
    g.writeStringField("endReason", c.getEndReason());
    number(g, "closeCode", c.getCloseCode());
    g.writeStringField("closeReason", c.getCloseReason());
    g.writeBooleanField("final", c.getFinal$());
    g.writeEndObject();
  }

  private static void counters(JsonGenerator g, String name, WebSocketCounters c)
      throws IOException {
    if (c == null) {
      g.writeNullField(name);
      return;
    }
    g.writeObjectFieldStart(name);
    for (org.apache.avro.Schema.Field f : c.getSchema().getFields()) {
      g.writeNumberField(f.name(), (Long) c.get(f.pos()));
    }
    g.writeEndObject();
  }

  /** Writes {@code e} as one chat.jsonl object. */
  public static void write(JsonGenerator g, ChatEvent e) throws IOException {
    g.writeStartObject();
    g.writeStringField("connectionId", e.getConnectionId());
    g.writeStringField("timestamp", time(e.getTimestamp()));
    g.writeStringField("direction", e.getDirection().name());
    g.writeStringField("type", e.getType());
    g.writeStringField("kind", e.getKind().name());
    g.writeStringField("nick", e.getNick());
    g.writeStringField("room", e.getRoom());
    g.writeStringField("content", e.getContent());
    g.writeStringField("fromClientId", e.getFromClientId());
    g.writeStringField("toClientId", e.getToClientId());
    g.writeEndObject();
  }

  /** Writes {@code a} as one anomalies.jsonl object. */
  public static void write(JsonGenerator g, Anomaly a) throws IOException {
    g.writeStartObject();
    g.writeStringField("connectionId", a.getConnectionId());
    g.writeStringField("sensor", a.getSensor());
    g.writeStringField("client", a.getClient());
    g.writeStringField("server", a.getServer());
    g.writeStringField("timestamp", time(a.getTimestamp()));
    g.writeStringField("code", a.getCode());
    g.writeStringField("detail", a.getDetail());
    g.writeEndObject();
  }

  private static void number(JsonGenerator g, String name, Long v) throws IOException {
    if (v == null) {
      g.writeNullField(name);
    } else {
      g.writeNumberField(name, v);
    }
  }

  private static void number(JsonGenerator g, String name, Integer v) throws IOException {
    if (v == null) {
      g.writeNullField(name);
    } else {
      g.writeNumberField(name, v);
    }
  }

  /** Writes a record's object to a generator. */
  private interface Writer {
    void write(JsonGenerator g) throws IOException;
  }

  private static ObjectNode tree(Writer w) {
    try (TokenBuffer b = new TokenBuffer(MAPPER, false)) {
      w.write(b);
      return MAPPER.readTree(b.asParser());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Writes records as JSON lines to a stream, straight as UTF-8 bytes (no String or tree per line):
   * what {@link #line} gives for the same record, each followed by a newline.
   */
  public static final class Output implements AutoCloseable {
    private final JsonGenerator generator;

    public Output(OutputStream out) throws IOException {
      generator = UTF8.createGenerator(out);
      generator.setCodec(MAPPER);
      generator.setRootValueSeparator(null);
    }

    /** The generator to write the next record with; end each record with {@link #endLine}. */
    public JsonGenerator generator() {
      return generator;
    }

    public void endLine() throws IOException {
      generator.writeRaw('\n');
    }

    public void write(ObjectNode o) throws IOException {
      generator.writeTree(o);
      endLine();
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

  /** The last second formatted on this thread, and its text up to the fraction. */
  private static final ThreadLocal<Object[]> LAST_SECOND =
      ThreadLocal.withInitial(() -> new Object[] {Long.MIN_VALUE, ""});

  /**
   * ISO-8601 UTC with exactly six fractional digits (truncated to microseconds). Records come in
   * time order, so the date and time of day are formatted once a second and reused.
   */
  public static String time(Instant t) {
    if (t == null) {
      return null;
    }
    long second = t.getEpochSecond();
    // Years 0000-9999 print as four digits; others as DateTimeFormatter writes them.
    if (second < -62_167_219_200L || second > 253_402_300_799L) {
      return MICROS.format(t);
    }
    Object[] last = LAST_SECOND.get();
    String prefix;
    if ((Long) last[0] == second) {
      prefix = (String) last[1];
    } else {
      String full = MICROS.format(Instant.ofEpochSecond(second));
      prefix = full.substring(0, full.length() - 7); // without "000000Z"
      last[0] = second;
      last[1] = prefix;
    }
    int micros = t.getNano() / 1000;
    char[] fraction = new char[7];
    for (int i = 5; i >= 0; i--) {
      fraction[i] = (char) ('0' + micros % 10);
      micros /= 10;
    }
    fraction[6] = 'Z';
    return prefix.concat(new String(fraction));
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

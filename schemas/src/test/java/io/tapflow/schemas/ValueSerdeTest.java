package io.tapflow.schemas;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.HexFormat;
import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.Test;

class ValueSerdeTest {
  private static final ChatEvent SAY = AvroRecords.chatEvent();

  @Test
  void theFirstBytesTellTheFormat() {
    assertEquals(WireFormat.SCHEMA_REGISTRY, WireFormat.of(hex("00 00 00 01 02 06")));
    assertEquals(0x01020304, WireFormat.schemaId(hex("00 01 02 03 04")));
    assertEquals(WireFormat.SINGLE_OBJECT, WireFormat.of(TapflowSerdes.chatEvent().encode(SAY)));
    assertEquals(WireFormat.UNKNOWN, WireFormat.of(hex("00 00 00 01")));
    assertEquals(WireFormat.UNKNOWN, WireFormat.of(hex("c3 02 00 00 00 00 00 00 00 00 00")));
    assertEquals(WireFormat.UNKNOWN, WireFormat.of(new byte[0]));
  }

  @Test
  void withoutARegistryValuesAreWrittenAndReadSingleObjectEncoded() {
    ValueSerde<ChatEvent> serde = ValueSerdes.singleObject().chatEvent();
    assertEquals(-1, serde.prepareTopic("tapflow.chat"));
    byte[] bytes = serde.serializer().serialize("tapflow.chat", SAY);
    assertEquals(
        HexFormat.of().formatHex(TapflowSerdes.chatEvent().encode(SAY)),
        HexFormat.of().formatHex(bytes));
    assertEquals(SAY, serde.deserializer().deserialize("tapflow.chat", bytes));
  }

  @Test
  void aRegistryFramedValueWithoutARegistryIsAnErrorNamingTheMissingSetting() {
    byte[] framed = hex("00 00 00 00 07 02 43 31");
    SerializationException e =
        assertThrows(
            SerializationException.class,
            () -> ValueSerdes.singleObject().chatEvent().decode(framed));
    assertEquals(
        "a io.tapflow.schemas.ChatEvent in the schema registry wire format (schema id 7) but no"
            + " schema registry is configured (--schema-registry-url)",
        e.getMessage());
    SerializationException plain =
        assertThrows(SerializationException.class, () -> TapflowSerdes.chatEvent().decode(framed));
    assertEquals(
        "a io.tapflow.schemas.ChatEvent in the schema registry wire format (schema id 7), not"
            + " single-object encoded: read it with ValueSerdes and a registry",
        plain.getMessage());
  }

  @Test
  void bytesInNeitherFormatAreAnErrorShowingTheirFirstBytes() {
    SerializationException e =
        assertThrows(
            SerializationException.class,
            () -> ValueSerdes.singleObject().chatEvent().decode(hex("7b 22 74")));
    assertEquals(
        "not a io.tapflow.schemas.ChatEvent: neither single-object encoding (C3 01) nor the schema"
            + " registry wire format (00), first bytes 7b 22",
        e.getMessage());
  }

  private static byte[] hex(String s) {
    return HexFormat.of().parseHex(s.replace(" ", ""));
  }
}

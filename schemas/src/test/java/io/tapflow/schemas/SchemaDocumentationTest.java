package io.tapflow.schemas;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import org.apache.avro.Schema;
import org.junit.jupiter.api.Test;

class SchemaDocumentationTest {
  private static final List<Schema> SCHEMAS =
      List.of(
          PacketRecord.getClassSchema(),
          WebSocketMessage.getClassSchema(),
          ConnectionRecord.getClassSchema(),
          ChatEvent.getClassSchema(),
          Anomaly.getClassSchema());

  @Test
  void everyRecordAndFieldOfEveryContractHasADoc() {
    List<String> undocumented = new ArrayList<>();
    for (Schema s : SCHEMAS) {
      if (s.getDoc() == null || s.getDoc().isBlank()) {
        undocumented.add(s.getFullName());
      }
      for (Schema.Field f : s.getFields()) {
        if (f.doc() == null || f.doc().isBlank()) {
          undocumented.add(s.getName() + "." + f.name());
        }
      }
    }
    assertEquals(List.of(), undocumented);
  }

  @Test
  void aRecordRoundTripsThroughSingleObjectEncoding() {
    AvroSerde<ChatEvent> serde = TapflowSerdes.chatEvent();
    ChatEvent e = AvroRecords.chatEvent();
    byte[] bytes = serde.encode(e);
    assertEquals((byte) 0xC3, bytes[0]);
    assertEquals((byte) 0x01, bytes[1]);
    assertEquals(e, serde.decode(bytes));
  }

  @Test
  void bytesThatAreNotARecordGiveASerializationException() {
    org.junit.jupiter.api.Assertions.assertThrows(
        org.apache.kafka.common.errors.SerializationException.class,
        () -> TapflowSerdes.chatEvent().decode(new byte[] {1, 2, 3}));
  }
}

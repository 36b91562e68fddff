package io.tapflow.schemas;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.avro.SchemaNormalization;

class AvroSupportTest {

  /**
   * A packet value whose sensorId claims 100 000 000 bytes: Avro would allocate them before finding
   * the value 20 bytes long (a 64 MiB heap would end in OutOfMemoryError). Decoded in a fresh JVM
   * set up as {@code Main} sets it up, so that nothing initialised Avro's limits before.
   */
  @org.junit.jupiter.api.Test
  void aLengthBeyondTheLimitIsRefusedBeforeAnythingIsAllocated() throws Exception {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-Xmx64m");
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add(Decode.class.getName());
    Process p = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD).start();
    String out = new String(p.getInputStream().readAllBytes()).strip();
    assertEquals(0, p.waitFor(), out);
    assertEquals(
        "org.apache.kafka.common.errors.SerializationException caused by"
            + " org.apache.avro.SystemLimitException: String length 100000000 exceeds maximum"
            + " allowed",
        out);
  }

  /** Decodes the value of the test above through Avro's own path and prints what it threw. */
  public static final class Decode {
    public static void main(String[] args) {
      AvroSupport.allowGeneratedPackage(); // first, as Main does
      ByteArrayOutputStream v = new ByteArrayOutputStream();
      v.write(0xc3);
      v.write(0x01);
      long fingerprint = SchemaNormalization.parsingFingerprint64(PacketRecord.getClassSchema());
      for (int i = 0; i < 8; i++) {
        v.write((int) (fingerprint >>> (8 * i)));
      }
      v.write(0); // kind: SEGMENT
      long zigzag = 2L * 100_000_000; // sensorId's length
      while ((zigzag & ~0x7fL) != 0) {
        v.write((int) ((zigzag & 0x7f) | 0x80));
        zigzag >>>= 7;
      }
      v.write((int) zigzag);
      v.writeBytes("tapflow".getBytes());
      try {
        new AvroSerde<PacketRecord>(PacketRecord.getClassSchema()).decode(v.toByteArray());
        System.out.println("decoded");
      } catch (RuntimeException e) {
        Throwable cause = e.getCause();
        System.out.println(
            e.getClass().getName()
                + " caused by "
                + (cause == null ? "nothing" : cause.getClass().getName())
                + ": "
                + (cause == null ? "" : cause.getMessage()));
      }
    }
  }
}

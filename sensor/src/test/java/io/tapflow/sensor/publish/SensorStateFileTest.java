package io.tapflow.sensor.publish;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SensorStateFileTest {
  @TempDir Path dir;

  @Test
  void whatIsWrittenIsReadBackAndTheFileSaysItInPlainLines() throws IOException {
    Path path = dir.resolve("sensor.state");
    try (SensorStateFile file = SensorStateFile.open(path)) {
      assertNull(file.read(), "no file yet");
      SensorStateFile.Numbering n =
          new SensorStateFile.Numbering(
              "edge-1", "tapflow.packets", "run-a", false, 81234, new long[] {40117, 0, 41117});
      file.write(n);
      assertEquals(n, file.read());
      assertEquals(
          "# tapflow sensor state: written by the sensor, do not edit\n"
              + "version=1\n"
              + "sensor=edge-1\n"
              + "topic=tapflow.packets\n"
              + "run=run-a\n"
              + "clean=false\n"
              + "sensorSeq=81234\n"
              + "partitionSeq=40117 0 41117\n",
          Files.readString(path));
      SensorStateFile.Numbering clean =
          new SensorStateFile.Numbering(
              "edge-1", "tapflow.packets", "run-a", true, 81240, new long[] {40120, 1, 41120});
      file.write(clean);
      assertEquals(clean, file.read());
      assertFalse(Files.exists(dir.resolve("sensor.state.tmp")), "the temporary file is renamed");
    }
    assertEquals(
        List.of("sensor.state", "sensor.state.lock"),
        Files.list(dir).map(p -> p.getFileName().toString()).sorted().toList());
  }

  @Test
  void anyTextOfSensorTopicAndRunIdSurvives() throws IOException {
    Path path = dir.resolve("s");
    try (SensorStateFile file = SensorStateFile.open(path)) {
      for (String id : List.of("", "a=b", "new\nline", "sensör ü 😀", "%41 + x", "#hash")) {
        SensorStateFile.Numbering n =
            new SensorStateFile.Numbering(id, "p." + id, id + "-run", true, 0, new long[0]);
        file.write(n);
        SensorStateFile.Numbering back = file.read();
        assertEquals(n, back, id);
        assertArrayEquals(new long[0], back.nextPartitionSeqs());
      }
    }
  }

  @Test
  void aSecondSensorCannotTakeAFileInUseButCanOnceItIsReleased() throws IOException {
    Path path = dir.resolve("sensor.state");
    SensorStateFile first = SensorStateFile.open(path);
    IOException e = assertThrows(IOException.class, () -> SensorStateFile.open(path));
    assertEquals(
        "another sensor uses the state file "
            + path
            + " (it holds the lock on "
            + dir.resolve("sensor.state.lock")
            + ")",
        e.getMessage());
    first.close();
    SensorStateFile.open(path).close();
  }

  @Test
  void aMissingDirectoryIsAnError() {
    assertThrows(
        NoSuchFileException.class, () -> SensorStateFile.open(dir.resolve("missing/sensor.state")));
  }

  @Test
  void aFileThatIsNotAStateFileSaysWhy() throws IOException {
    Path path = dir.resolve("sensor.state");
    String good =
        "version=1\nsensor=s\ntopic=t\nrun=r\nclean=true\nsensorSeq=5\npartitionSeq=1 2\n";
    try (SensorStateFile file = SensorStateFile.open(path)) {
      Files.writeString(path, good);
      assertEquals(
          new SensorStateFile.Numbering("s", "t", "r", true, 5, new long[] {1, 2}), file.read());
      assertUnreadable(file, path, "", "not a version 1 state file");
      assertUnreadable(file, path, good.replace("version=1", "version=2"), "not a version 1");
      assertUnreadable(file, path, good.replace("clean=true", "clean=yes"), "clean must be true");
      assertUnreadable(file, path, good.replace("run=r\n", ""), "no run");
      assertUnreadable(file, path, good + "run=x\n", "a key twice: run");
      assertUnreadable(file, path, good.replace("sensorSeq=5", "sensorSeq=-5"), "a malformed");
      assertUnreadable(file, path, good.replace("1 2", "1 x"), "a malformed value");
      assertUnreadable(file, path, good + "garbage\n", "not a state file line: garbage");
      Files.write(path, new byte[] {(byte) 0xC3, 0x28, 0x0A});
      assertThrows(IOException.class, file::read);
    }
  }

  private static void assertUnreadable(
      SensorStateFile file, Path path, String content, String reason) throws IOException {
    Files.writeString(path, content, StandardCharsets.UTF_8);
    IOException e = assertThrows(IOException.class, file::read, content);
    assertTrue(e.getMessage().startsWith(reason), e.getMessage());
  }
}

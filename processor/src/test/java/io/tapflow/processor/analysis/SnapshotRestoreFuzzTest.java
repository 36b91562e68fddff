package io.tapflow.processor.analysis;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.tapflow.processor.tcp.Segment;
import io.tapflow.processor.testing.FuzzCorpus;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * Fuzzes {@link ConnectionAnalyzer#restore}: any bytes are either refused as a corrupt snapshot or
 * restored to an analyzer whose own snapshot restores to the same bytes again, and no input makes a
 * restore allocate more than 1 MiB beyond eight times its length (a length field is not trusted
 * with an allocation).
 *
 * <p>Input: the snapshot (seeds: the version 5 snapshots after each segment of {@link
 * ConnectionAnalyzerTest#compressedSession()}).
 */
class SnapshotRestoreFuzzTest {
  private static final String KEY = "s|10.0.0.1:50000|10.0.0.2:8080";
  private static final com.sun.management.ThreadMXBean THREADS =
      (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

  static {
    // Classes, their constants and the thread's scratch buffers are made by the first restore and
    // snapshot, and counted as its allocation: do both once before measuring any.
    for (byte[] seed : seeds().values()) {
      ConnectionAnalyzer.restore(seed, AnalyzerConfig.DEFAULT).snapshot();
      try {
        ConnectionAnalyzer.restore(new byte[] {5}, AnalyzerConfig.DEFAULT);
      } catch (UncheckedIOException expected) {
        // refused, as any other damaged snapshot
      }
    }
  }

  @FuzzTest(maxDuration = "20s")
  void anyBytesAreRefusedOrRestoredToAStateThatRestoresAgain(byte[] snapshot) {
    long bound = (1 << 20) + 8L * snapshot.length;
    long spent = allocatedByRestoring(snapshot);
    if (spent > bound) {
      // The first restore down a new path loads classes (and, fuzzing, instruments them), which
      // counts as this thread's allocation; the same input again allocates only what it claims.
      spent = allocatedByRestoring(snapshot);
    }
    assertTrue(spent <= bound, "restoring " + snapshot.length + " bytes allocated " + spent);
    ConnectionAnalyzer restored;
    try {
      restored = ConnectionAnalyzer.restore(snapshot, AnalyzerConfig.DEFAULT);
    } catch (UncheckedIOException e) {
      assertEquals("corrupt analyzer snapshot", e.getMessage());
      assertTrue(e.getCause() instanceof IOException, e.getCause().toString());
      return;
    }
    byte[] again = restored.snapshot();
    assertArrayEquals(again, ConnectionAnalyzer.restore(again, AnalyzerConfig.DEFAULT).snapshot());
  }

  private static long allocatedByRestoring(byte[] snapshot) {
    long before = THREADS.getCurrentThreadAllocatedBytes();
    try {
      ConnectionAnalyzer.restore(snapshot, AnalyzerConfig.DEFAULT);
    } catch (UncheckedIOException e) {
      // measured alike
    }
    return THREADS.getCurrentThreadAllocatedBytes() - before;
  }

  private static Map<String, byte[]> seeds() {
    Map<String, byte[]> seeds = new TreeMap<>();
    List<Segment> session = ConnectionAnalyzerTest.compressedSession();
    ConnectionAnalyzer a =
        ConnectionAnalyzer.open(KEY, "s", session.get(0), AnalyzerConfig.DEFAULT);
    for (int i = 0; i < session.size(); i++) {
      a.onSegment(session.get(i), new ConnectionAnalyzerTest.Recorder());
      seeds.put(String.format("compressed-session-%02d", i + 1), a.snapshot());
    }
    return seeds;
  }

  @Test
  void theCommittedSeedsAreTheGeneratorsOutput() throws IOException {
    Map<String, byte[]> seeds = seeds();
    for (byte[] seed : seeds.values()) {
      anyBytesAreRefusedOrRestoredToAStateThatRestoresAgain(seed);
    }
    FuzzCorpus.check(
        SnapshotRestoreFuzzTest.class,
        "anyBytesAreRefusedOrRestoredToAStateThatRestoresAgain",
        seeds);
  }
}

package io.tapflow.processor.tcp;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.util.List;
import org.junit.jupiter.api.Test;

class TcpReassemblerTest {
  private final RecordingStream out = new RecordingStream();
  private final TcpReassembler r = new TcpReassembler(TcpReassembler.Limits.DEFAULT, out);

  private void seg(long seq, String data) {
    byte[] b = data.getBytes(ISO_8859_1);
    r.onSegment(seq, false, false, b, 0, b.length, 0, 0);
  }

  @Test
  void dataAfterTheSynStartsAtSequencePlusOne() {
    r.onSegment(1000, true, false, new byte[0], 0, 0, 0, 0);
    seg(1001, "abc");
    seg(1004, "def");
    assertEquals("abcdef", out.text());
  }

  @Test
  void retransmittedBytesAreDeliveredOnce() {
    seg(10, "hello");
    seg(10, "hello");
    seg(12, "llo wo");
    seg(15, " world");
    assertEquals("hello world", out.text());
    // The exact copy, and the two segments that overlap delivered bytes.
    assertEquals(3, r.retransmittedSegments());
    assertEquals(11, r.deliveredBytes());
  }

  @Test
  void outOfOrderSegmentsAreDeliveredInSequenceOrder() {
    seg(100, "aa");
    seg(104, "cc");
    seg(106, "dd");
    assertEquals("aa", out.text());
    seg(102, "bb");
    assertEquals("aabbccdd", out.text());
    assertEquals(2, r.outOfOrderSegments());
    assertEquals(0, r.bufferedBytes());
  }

  @Test
  void sequenceNumbersWrapAroundTwoToTheThirtySecond() {
    long nearTop = (1L << 32) - 3;
    seg(nearTop, "abc");
    seg(0, "def");
    seg(3, "ghi");
    assertEquals("abcdefghi", out.text());
  }

  @Test
  void aReorderedSegmentAcrossTheWrapIsStillPlacedCorrectly() {
    long nearTop = (1L << 32) - 2;
    seg(nearTop, "ab");
    seg(2, "ef");
    seg(0, "cd");
    assertEquals("abcdef", out.text());
  }

  @Test
  void bytesCutBySnaplenBecomeAGapInTheirPlace() {
    byte[] b = "abc".getBytes(ISO_8859_1);
    r.onSegment(0, false, false, b, 0, 3, 5, 0);
    seg(8, "xyz");
    assertEquals(List.of("data:abc", "gap:5", "data:xyz"), out.events);
    assertEquals(5, r.truncatedBytes());
    assertEquals(5, r.gapBytes());
  }

  @Test
  void bytesCutBySnaplenAreCountedWhenTheyBecomeAGapNotWhenTheirCopyWasReceivedWhole() {
    // Found by ConnectionAnalyzerFuzzTest: truncatedBytes, part of missedBytes by contract, also
    // counted the cut bytes of retransmissions already received and of segments still buffered.
    seg(0, "abcd");
    byte[] b = "ab".getBytes(ISO_8859_1);
    r.onSegment(0, false, false, b, 0, 2, 2, 0); // a retransmission cut short
    byte[] y = "y".getBytes(ISO_8859_1);
    r.onSegment(8, false, false, y, 0, 1, 3, 0); // ahead of a hole, cut short
    assertEquals(0, r.truncatedBytes());
    seg(4, "efgh");
    assertEquals(List.of("data:abcd", "data:efgh", "data:y", "gap:3"), out.events);
    assertEquals(3, r.truncatedBytes());
    assertEquals(3, r.gapBytes());
  }

  @Test
  void anOverflowingBufferGivesUpTheHoleAsAGap() {
    TcpReassembler small =
        new TcpReassembler(new TcpReassembler.Limits(4, 10, 1024, 1_000_000L), out);
    byte[] a = "aa".getBytes(ISO_8859_1);
    small.onSegment(0, false, false, a, 0, 2, 0, 0);
    byte[] c = "cccc".getBytes(ISO_8859_1);
    small.onSegment(10, false, false, c, 0, 4, 0, 0);
    byte[] d = "d".getBytes(ISO_8859_1);
    small.onSegment(14, false, false, d, 0, 1, 0, 0);
    assertEquals(List.of("data:aa", "gap:8", "data:cccc", "data:d"), out.events);
    assertEquals(8, small.gapBytes());
  }

  /** Counts what a reassembler delivers, keeping nothing. */
  private static final class Counting implements StreamListener {
    long bytes;
    long gaps;
    long gapBytes;

    @Override
    public void onData(byte[] buf, int off, int len, long timestampNanos) {
      bytes += len;
    }

    @Override
    public void onGap(long length, long timestampNanos) {
      gaps++;
      gapBytes += length;
    }

    @Override
    public void onEnd(long timestampNanos) {}

    @Override
    public void onAnomaly(String code, String detail, long timestampNanos) {
      throw new AssertionError(code);
    }
  }

  @Test
  void segmentsBehindHolesFillTheBufferToItsByteBoundThenGiveUpOneHoleEach() throws Exception {
    Counting counting = new Counting();
    TcpReassembler big = new TcpReassembler(TcpReassembler.Limits.DEFAULT, counting);
    int fresh = snapshotSize(big);
    big.onSegment(0, true, false, new byte[0], 0, 0, 0, 0); // SYN: data starts at sequence 1
    // Segment i covers offsets [1 + 1001 i, 1001 + 1001 i): a byte is missing before each. 1048
    // of them fit in 1 MiB (1 048 000 bytes, under the 4096-segment bound); each one after gives
    // up the earliest hole and delivers the segment behind it. Acknowledged as delivered.
    byte[] payload = new byte[1000];
    int n = 200_000;
    long maxBuffered = 0;
    for (int i = 0; i < n; i++) {
      int kind = big.onSegment(1 + 1 + 1001L * i, false, false, payload, 0, 1000, 0, i);
      assertEquals(TcpReassembler.OUT_OF_ORDER, kind);
      maxBuffered = Math.max(maxBuffered, big.bufferedBytes());
      big.onPeerAck(1 + big.deliveredBytes() + big.gapBytes(), i);
    }

    assertEquals(1048 * 1000, maxBuffered);
    assertEquals(1048 * 1000, big.bufferedBytes());
    assertEquals(n - 1048, big.gaps());
    assertEquals(n - 1048, big.gapBytes());
    assertEquals((n - 1048) * 1000L, big.deliveredBytes());
    assertEquals(n, big.outOfOrderSegments());
    assertEquals(0, big.retainedBytes());
    assertEquals(big.deliveredBytes(), counting.bytes);
    assertEquals(big.gaps(), counting.gaps);
    // The snapshot: the 1048 buffered segments, a 21-byte entry and 1000 bytes each.
    assertEquals(fresh + 1048 * (21 + 1000), snapshotSize(big));
  }

  private static int snapshotSize(TcpReassembler r) throws java.io.IOException {
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    r.writeSnapshot(new java.io.DataOutputStream(out));
    return out.size();
  }

  @Test
  void finEndsTheStreamOnceEveryByteBeforeItArrived() {
    r.onSegment(2, true, false, new byte[0], 0, 0, 0, 0);
    byte[] b = "xy".getBytes(ISO_8859_1);
    r.onSegment(5, false, true, b, 0, 2, 0, 0);
    assertEquals(List.of(), out.events);
    seg(3, "ab");
    assertEquals(List.of("data:ab", "data:xy", "end"), out.events);
  }

  @Test
  void endDeliversBufferedDataAfterAHoleWithTheGap() {
    seg(0, "ab");
    seg(5, "fg");
    r.end(0);
    assertEquals(List.of("data:ab", "gap:3", "data:fg", "end"), out.events);
  }

  @Test
  void aSnapshotRestoresBufferedOutOfOrderData() throws Exception {
    seg(0, "ab");
    seg(4, "ef");
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    r.writeSnapshot(new DataOutputStream(buf));
    RecordingStream other = new RecordingStream();
    TcpReassembler restored =
        TcpReassembler.readSnapshot(
            new DataInputStream(new ByteArrayInputStream(buf.toByteArray())),
            TcpReassembler.Limits.DEFAULT,
            other);
    byte[] cd = "cd".getBytes(ISO_8859_1);
    restored.onSegment(2, false, false, cd, 0, 2, 0, 0);
    assertEquals("cdef", other.text());
    assertEquals(6, restored.deliveredBytes());
  }

  @Test
  void aRetransmissionWithDifferentBytesIsAConflictAndTheFirstCopyWins() {
    seg(0, "hello");
    seg(2, "LLO w");
    seg(7, "orld");
    assertEquals("hello world", out.text());
    assertEquals(
        List.of(
            "data:hello", "anomaly:tcp_overlap_conflict offset=2 length=3", "data: w", "data:orld"),
        out.events);
    assertEquals(1, r.overlapConflicts());
  }

  @Test
  void aBufferedSegmentIsNotOverwrittenByALaterDifferentCopy() {
    seg(0, "ab");
    seg(4, "ef");
    seg(3, "dEFg");
    seg(2, "c");
    assertEquals("abcdefg", out.text());
    assertEquals(1, r.overlapConflicts());
  }

  @Test
  void acknowledgedBytesAreNoLongerKept() {
    seg(0, "hello");
    assertEquals(5, r.retainedBytes());
    r.onPeerAck(3, 0);
    assertEquals(2, r.retainedBytes());
    r.onPeerAck(5, 0);
    assertEquals(0, r.retainedBytes());
  }

  @Test
  void anAcknowledgedHoleIsGivenUpAfterTheGraceTime() {
    long grace = TcpReassembler.Limits.DEFAULT.holeGraceNanos();
    byte[] b = "ab".getBytes(ISO_8859_1);
    r.onSegment(0, false, false, b, 0, 2, 0, 0);
    r.onPeerAck(10, 1000);
    r.checkHoles(1000 + grace - 1);
    assertEquals(List.of("data:ab"), out.events);
    r.checkHoles(1000 + grace);
    assertEquals(List.of("data:ab", "gap:8"), out.events);
    assertEquals(8, r.gapBytes());
    seg(10, "k");
    assertEquals("abk", out.text());
  }

  @Test
  void anAcknowledgedHoleThatIsFilledInTimeIsNoGap() {
    long grace = TcpReassembler.Limits.DEFAULT.holeGraceNanos();
    byte[] b = "ab".getBytes(ISO_8859_1);
    r.onSegment(0, false, false, b, 0, 2, 0, 0);
    r.onPeerAck(4, 1000);
    byte[] cd = "cd".getBytes(ISO_8859_1);
    r.onSegment(2, false, false, cd, 0, 2, 0, 2000);
    r.checkHoles(1000 + 10 * grace);
    assertEquals("abcd", out.text());
    assertEquals(0, r.gapBytes());
  }
}

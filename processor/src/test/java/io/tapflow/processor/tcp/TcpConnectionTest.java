package io.tapflow.processor.tcp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.tapflow.schemas.TcpFlags;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class TcpConnectionTest {
  private final RecordingStream toServer = new RecordingStream();
  private final RecordingStream toClient = new RecordingStream();
  private final TcpConnection c =
      new TcpConnection(TcpReassembler.Limits.DEFAULT, 1_000_000L, toServer, toClient);

  private void feed(List<Segment> segments) {
    for (Segment s : segments) {
      c.onSegment(s);
    }
  }

  private static Segment with(Segment s, int flags, long ts) {
    return new Segment(
        s.srcAddr(),
        s.srcPort(),
        s.dstAddr(),
        s.dstPort(),
        s.seq(),
        s.ack(),
        flags,
        s.window(),
        s.payload(),
        s.payloadWireLength(),
        ts);
  }

  @Test
  void aNormalSessionIsSfWithZeeksHistory() {
    TcpSession s = TcpSession.standard();
    List<Segment> segs = new ArrayList<>(s.handshake());
    segs.add(s.clientSends("hello"));
    segs.add(s.serverSends("world"));
    segs.addAll(s.close());
    feed(segs);
    assertEquals("SF", c.connState());
    assertEquals("ShADdFf", c.history()); // the server never sends a pure ACK here
    TcpSummary t = c.summary();
    assertEquals(20L, t.handshakeMicros());
    assertEquals(10L, t.synToSynAckMicros());
    assertEquals(10L, t.synAckToAckMicros());
    assertEquals(5, t.clientBytes());
    assertEquals(5, t.serverBytes());
    assertEquals(5, t.clientPackets());
    assertEquals(3, t.serverPackets());
    assertEquals(70L, t.durationMicros());
  }

  /** {@code s} carrying only its first {@code kept} payload bytes, its wire length unchanged. */
  private static Segment cut(Segment s, int kept) {
    return new Segment(
        s.srcAddr(),
        s.srcPort(),
        s.dstAddr(),
        s.dstPort(),
        s.seq(),
        s.ack(),
        s.flags(),
        s.window(),
        java.util.Arrays.copyOf(s.payload(), kept),
        s.payloadWireLength(),
        s.timestampNanos());
  }

  @Test
  void bytesTheSegmentsAnnounceButDoNotCarryCountAsSentAndAsTruncated() {
    // A snaplen cut, or a sensor's --payload cap:2 and none: the byte counts, packets and state
    // are those of the whole session; the bytes not carried are gaps in place.
    TcpSession s = TcpSession.standard();
    List<Segment> segs = new ArrayList<>(s.handshake());
    segs.add(cut(s.clientSends("hello"), 0));
    segs.add(cut(s.serverSends("world!"), 2));
    segs.addAll(s.close());
    feed(segs);
    assertEquals("SF", c.connState());
    assertEquals("ShADGdgFf", c.history());
    TcpSummary t = c.summary();
    assertEquals(5, t.clientBytes());
    assertEquals(6, t.serverBytes());
    assertEquals(5, t.clientPackets());
    assertEquals(3, t.serverPackets());
    assertEquals(9, t.missedBytes());
    assertEquals(9, t.truncatedBytes());
    assertEquals(List.of("gap:5", "end"), toServer.events);
    assertEquals(List.of("data:wo", "gap:4", "end"), toClient.events);
  }

  @Test
  void aSessionWhosePayloadWasNotCarriedIsNoRejectionWhenBothSidesReset() {
    TcpSession s = TcpSession.standard();
    List<Segment> segs = new ArrayList<>(s.handshake());
    segs.add(cut(s.clientSends("hello"), 0));
    Segment crst = s.clientSends(new byte[0]);
    segs.add(with(crst, TcpFlags.RST | TcpFlags.ACK, crst.timestampNanos()));
    Segment srst = s.serverSends(new byte[0]);
    segs.add(with(srst, TcpFlags.RST, srst.timestampNanos()));
    feed(segs);
    assertEquals("RSTR", c.connState());
  }

  @Test
  void aSynAnsweredByRstIsRej() {
    TcpSession s = TcpSession.standard();
    Segment syn = s.handshake().get(0);
    Segment synAck = TcpSession.standard().handshake().get(1);
    feed(List.of(syn, with(synAck, TcpFlags.RST | TcpFlags.ACK, synAck.timestampNanos())));
    assertEquals("REJ", c.connState());
    assertEquals("Sr", c.history());
  }

  @Test
  void anUnansweredSynIsS0AndItsRetransmissionsAreCounted() {
    Segment syn = TcpSession.standard().handshake().get(0);
    feed(List.of(syn, with(syn, syn.flags(), syn.timestampNanos() + 1_000_000_000L)));
    assertEquals("S0", c.connState());
    assertEquals("S", c.history());
    assertEquals(1, c.summary().synRetransmissions());
    assertNull(c.summary().synToSynAckMicros());
  }

  @Test
  void aClientAbortIsRstoAndAServerAbortRstr() {
    TcpSession s = TcpSession.standard();
    List<Segment> segs = new ArrayList<>(s.handshake());
    segs.add(s.clientSends("x"));
    Segment rst = s.clientSends(new byte[0]);
    segs.add(with(rst, TcpFlags.RST | TcpFlags.ACK, rst.timestampNanos()));
    feed(segs);
    assertEquals("RSTO", c.connState());
    assertEquals("ShADR", c.history());

    TcpConnection other =
        new TcpConnection(
            TcpReassembler.Limits.DEFAULT,
            1_000_000L,
            new RecordingStream(),
            new RecordingStream());
    TcpSession t = TcpSession.standard();
    List<Segment> more = new ArrayList<>(t.handshake());
    Segment srst = t.serverSends(new byte[0]);
    more.add(with(srst, TcpFlags.RST, srst.timestampNanos()));
    for (Segment x : more) {
      other.onSegment(x);
    }
    assertEquals("RSTR", other.connState());
  }

  @Test
  void aSynFollowedByFinWithoutAnswerIsSh() {
    Segment syn = TcpSession.standard().handshake().get(0);
    feed(List.of(syn, with(syn, TcpFlags.FIN, syn.timestampNanos() + 1000)));
    assertEquals("SH", c.connState());
  }

  @Test
  void aConnectionSeenMidstreamIsOthAndItsBytesAreDelivered() {
    TcpSession s = TcpSession.standard();
    s.handshake();
    feed(List.of(s.serverSends("late"), s.clientSends("ack me")));
    assertEquals("OTH", c.connState());
    assertEquals("^dD", c.history());
    assertEquals("ack me", toServer.text());
    assertEquals("late", toClient.text());
    assertEquals(50000, c.clientPort());
  }

  @Test
  void aPacketCapturedTwiceIsCountedOnceAsADuplicate() {
    TcpSession s = TcpSession.standard();
    List<Segment> segs = new ArrayList<>(s.handshake());
    Segment data = s.clientSends("once");
    segs.add(data);
    segs.add(data);
    feed(segs);
    assertEquals("once", toServer.text());
    assertEquals(1, c.duplicatePackets());
    assertEquals(3, c.clientPackets());
    assertEquals(0, c.retransmittedPackets());
  }

  @Test
  void aRetransmissionLaterThanTheDuplicateWindowIsARetransmission() {
    TcpSession s = TcpSession.standard();
    List<Segment> segs = new ArrayList<>(s.handshake());
    Segment data = s.clientSends("once");
    segs.add(data);
    segs.add(with(data, data.flags(), data.timestampNanos() + 200_000_000L));
    feed(segs);
    assertEquals("once", toServer.text());
    assertEquals(0, c.duplicatePackets());
    assertEquals(1, c.retransmittedPackets());
    assertEquals("ShADT", c.history());
  }
}

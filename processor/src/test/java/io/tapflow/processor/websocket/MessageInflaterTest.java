package io.tapflow.processor.websocket;

import static io.tapflow.processor.websocket.Bytes.hex;
import static io.tapflow.processor.websocket.Bytes.utf8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.Arrays;
import java.util.zip.Deflater;
import org.junit.jupiter.api.Test;

class MessageInflaterTest {

  private static MessageInflater.Result inflate(
      MessageInflater inflater, byte[] compressed, long limit, CappedBuffer content) {
    return inflater.inflate(compressed, compressed.length, true, limit, content, null);
  }

  @Test
  void messagesInflateAcrossTheWindowAsTheSenderDeflatedThem() {
    Deflater deflater = new Deflater(Deflater.BEST_COMPRESSION, true);
    MessageInflater inflater = new MessageInflater(PerMessageDeflate.DEFAULT, false);
    StringBuilder all = new StringBuilder();
    for (int i = 0; i < 200; i++) {
      String message =
          "message " + i + " repeats " + all.substring(Math.max(0, all.length() - 300));
      all.append(message);
      CappedBuffer content = new CappedBuffer(1 << 20);

      MessageInflater.Result result =
          inflate(inflater, Frames.deflate(deflater, utf8(message)), 1 << 20, content);

      assertEquals(new MessageInflater.Result(utf8(message).length, false, null), result);
      assertArrayEquals(utf8(message), content.take(), "message " + i);
    }
    deflater.end();
    assertEquals(32768, inflater.historyLength());
  }

  @Test
  void aMessageThatEndsInsideABlockDoesNotChangeHowTheNextOneInflates() {
    MessageInflater inflater = new MessageInflater(PerMessageDeflate.DEFAULT, true);
    // A fixed-Huffman block holding the literal 'a' and no end of block: the appended tail
    // 00 00 ff ff then reads as the end of block and the start of a stored block's lengths, so an
    // inflater kept from this message would stand inside a block.
    CappedBuffer first = new CappedBuffer(100);
    assertEquals(
        new MessageInflater.Result(1, false, null), inflate(inflater, hex("4a 04"), 100, first));
    assertArrayEquals(utf8("a"), first.take());

    CappedBuffer second = new CappedBuffer(100);
    MessageInflater.Result result =
        inflate(inflater, hex("00 05 00 fa ff 68 65 6c 6c 6f"), 100, second);

    assertEquals(new MessageInflater.Result(5, false, null), result);
    assertArrayEquals(utf8("hello"), second.take());
    assertEquals(6, inflater.historyLength());
  }

  @Test
  void historyIsTheSendersWindowSize() {
    MessageInflater inflater =
        new MessageInflater(new PerMessageDeflate(false, false, 15, 10), true);

    inflate(inflater, hex("00 05 00 fa ff 48 65 6c 6c 6f"), 100, new CappedBuffer(100));
    assertEquals(5, inflater.historyLength());
    Deflater deflater = new Deflater(Deflater.NO_COMPRESSION, true);
    inflate(inflater, Frames.deflate(deflater, new byte[3000]), 5000, new CappedBuffer(0));
    deflater.end();

    assertEquals(1024, inflater.historyLength());
  }

  @Test
  void eightBitWindowKeeps512BytesBecauseZlibWidensIt() {
    MessageInflater inflater =
        new MessageInflater(new PerMessageDeflate(false, false, 8, 15), false);
    Deflater deflater = new Deflater(Deflater.NO_COMPRESSION, true);

    inflate(inflater, Frames.deflate(deflater, new byte[3000]), 5000, new CappedBuffer(0));
    deflater.end();

    assertEquals(512, inflater.historyLength());
  }

  @Test
  void noContextTakeoverKeepsNoHistory() {
    MessageInflater inflater =
        new MessageInflater(new PerMessageDeflate(true, false, 15, 15), false);

    inflate(inflater, hex("f2 48 cd c9 c9 07 00"), 100, new CappedBuffer(100));

    assertEquals(0, inflater.historyLength());
  }

  @Test
  void outputStopsAtTheLimit() {
    MessageInflater inflater = new MessageInflater(PerMessageDeflate.DEFAULT, false);
    CappedBuffer content = new CappedBuffer(100);

    MessageInflater.Result result = inflate(inflater, hex("f2 48 cd c9 c9 07 00"), 3, content);

    assertEquals(new MessageInflater.Result(3, true, null), result);
    assertArrayEquals(utf8("Hel"), content.take());
  }

  @Test
  void outputExactlyAtTheLimitIsNotOverTheLimit() {
    MessageInflater inflater = new MessageInflater(PerMessageDeflate.DEFAULT, false);

    MessageInflater.Result result =
        inflate(inflater, hex("f2 48 cd c9 c9 07 00"), 5, new CappedBuffer(100));

    assertEquals(new MessageInflater.Result(5, false, null), result);
  }

  /** A full window of chat-like text: 200 messages, each repeating the end of the ones before. */
  private static MessageInflater filledInflater(Deflater deflater) {
    MessageInflater inflater = new MessageInflater(PerMessageDeflate.DEFAULT, false);
    StringBuilder all = new StringBuilder();
    for (int i = 0; i < 200; i++) {
      String message =
          "{\"type\":\"say\",\"from_client_name\":\"ayşe"
              + (i % 7)
              + "\",\"content\":\"message "
              + i
              + " "
              + all.substring(Math.max(0, all.length() - 120))
              + "\"}";
      all.append(message);
      inflate(
          inflater, Frames.deflate(deflater, utf8(message)), 1 << 20, new CappedBuffer(1 << 20));
    }
    return inflater;
  }

  private static byte[] snapshot(MessageInflater inflater) throws IOException {
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    DataOutputStream out = new DataOutputStream(buf);
    inflater.writeTo(out);
    out.flush();
    return buf.toByteArray();
  }

  private static MessageInflater restored(byte[] snapshot) throws IOException {
    MessageInflater inflater = new MessageInflater(PerMessageDeflate.DEFAULT, false);
    DataInputStream in = new DataInputStream(new ByteArrayInputStream(snapshot));
    inflater.readFrom(in);
    assertEquals(-1, in.read(), "bytes left after the history");
    return inflater;
  }

  @Test
  void aSnapshotHoldsTheHistoryDeflatedAndARestoredInflaterGoesOnAlike() throws IOException {
    Deflater deflater = new Deflater(Deflater.DEFAULT_COMPRESSION, true);
    MessageInflater inflater = filledInflater(deflater);
    assertEquals(32768, inflater.historyLength());

    byte[] snapshot = snapshot(inflater);

    DataInputStream head = new DataInputStream(new ByteArrayInputStream(snapshot));
    assertEquals(MessageInflater.PACKED, head.readInt());
    assertEquals(32768, head.readInt());
    int packed = head.readInt();
    assertEquals(12 + packed, snapshot.length);
    assertTrue(packed < 32768 / 4, "32 KiB of chat text deflated to " + packed + " bytes");
    MessageInflater copy = restored(snapshot);
    assertEquals(32768, copy.historyLength());
    assertArrayEquals(snapshot, snapshot(copy));
    // The sender's next message, deflated with its window: both inflate it to the same bytes.
    byte[] next = utf8("message 200 " + "x".repeat(40));
    byte[] compressed = Frames.deflate(deflater, next);
    CappedBuffer fromOriginal = new CappedBuffer(1 << 20);
    CappedBuffer fromCopy = new CappedBuffer(1 << 20);
    assertEquals(
        new MessageInflater.Result(next.length, false, null),
        inflate(inflater, compressed, 1 << 20, fromOriginal));
    assertEquals(
        new MessageInflater.Result(next.length, false, null),
        inflate(copy, compressed, 1 << 20, fromCopy));
    assertArrayEquals(next, fromOriginal.take());
    assertArrayEquals(next, fromCopy.take());
    deflater.end();
  }

  @Test
  void anEmptyHistoryIsWrittenAsItsLengthAlone() throws IOException {
    MessageInflater inflater = new MessageInflater(PerMessageDeflate.DEFAULT, false);

    byte[] snapshot = snapshot(inflater);

    assertArrayEquals(new byte[] {0, 0, 0, 0}, snapshot);
    assertEquals(0, restored(snapshot).historyLength());
  }

  @Test
  void aHistoryWrittenWholeAsEarlierSnapshotsHaveItIsStillRead() throws IOException {
    byte[] history = utf8("{\"type\":\"say\",\"content\":\"günaydın herkes, çay içelim mi?\"}");
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    DataOutputStream out = new DataOutputStream(buf);
    out.writeInt(history.length);
    out.write(history);
    out.flush();
    // A message deflated against that history as the sender's window.
    Deflater deflater = new Deflater(Deflater.DEFAULT_COMPRESSION, true);
    deflater.setDictionary(history);
    byte[] next = utf8("{\"type\":\"say\",\"content\":\"günaydın herkes, çay içelim mi?\"}");
    byte[] compressed = Frames.deflate(deflater, next);
    deflater.end();

    MessageInflater inflater = restored(buf.toByteArray());
    CappedBuffer content = new CappedBuffer(1 << 20);

    assertEquals(history.length, inflater.historyLength());
    assertEquals(
        new MessageInflater.Result(next.length, false, null),
        inflate(inflater, compressed, 1 << 20, content));
    assertArrayEquals(next, content.take());
  }

  @Test
  void aDamagedDeflatedHistoryIsRefused() throws IOException {
    Deflater deflater = new Deflater(Deflater.DEFAULT_COMPRESSION, true);
    byte[] good = snapshot(filledInflater(deflater));
    deflater.end();
    int packed = good.length - 12;

    // The history claims more than the window holds.
    assertRefused(withInt(good, 4, 32769));
    // It claims fewer bytes than the deflated data gives, or more.
    assertRefused(withInt(good, 4, 32767));
    Deflater small = new Deflater(Deflater.DEFAULT_COMPRESSION, true);
    MessageInflater shortHistory = new MessageInflater(PerMessageDeflate.DEFAULT, false);
    inflate(
        shortHistory, Frames.deflate(small, utf8("hello hello hello")), 100, new CappedBuffer(100));
    small.end();
    byte[] seventeen = snapshot(shortHistory);
    assertEquals(17, restored(seventeen).historyLength());
    assertRefused(withInt(seventeen, 4, 18));
    // The deflated length is beyond what deflate can take for the history, or not positive.
    assertRefused(withInt(good, 8, 32768 + 32768 / 8 + 65));
    assertRefused(withInt(good, 8, 0));
    // The deflated bytes are cut short, or damaged.
    byte[] cut = withInt(Arrays.copyOf(good, good.length - 10), 8, packed - 10);
    assertRefused(cut);
    byte[] damaged = good.clone();
    for (int i = 12; i < 20; i++) {
      damaged[i] = (byte) 0xff;
    }
    assertRefused(damaged);
    // A deflated history on a direction without context takeover.
    MessageInflater noTakeover =
        new MessageInflater(new PerMessageDeflate(true, false, 15, 15), false);
    assertThrows(
        IOException.class,
        () -> noTakeover.readFrom(new DataInputStream(new ByteArrayInputStream(good))));
  }

  private static void assertRefused(byte[] snapshot) {
    assertThrows(IOException.class, () -> restored(snapshot));
  }

  private static byte[] withInt(byte[] bytes, int at, int value) {
    byte[] copy = bytes.clone();
    copy[at] = (byte) (value >>> 24);
    copy[at + 1] = (byte) (value >>> 16);
    copy[at + 2] = (byte) (value >>> 8);
    copy[at + 3] = (byte) value;
    return copy;
  }
}

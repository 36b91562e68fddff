package io.tapflow.processor.websocket;

import static io.tapflow.processor.websocket.Bytes.hex;
import static io.tapflow.processor.websocket.Bytes.utf8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

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
}

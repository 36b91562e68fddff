package io.tapflow.processor.websocket;

import static io.tapflow.processor.websocket.Bytes.hex;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

class Utf8ValidatorTest {

  /** Offset of the first malformed byte, or -1, after feeding {@code hex} in one chunk. */
  private static long check(String hex) {
    byte[] bytes = hex(hex);
    Utf8Validator utf8 = new Utf8Validator();
    utf8.update(bytes, 0, bytes.length);
    utf8.finish();
    return utf8.invalidOffset();
  }

  @Test
  void wellFormedSequencesOfEveryLengthPass() {
    // "a", U+00E9, U+2713, U+1F600, U+10FFFF, U+FFFD
    assertEquals(-1, check("61 c3 a9 e2 9c 93 f0 9f 98 80 f4 8f bf bf ef bf bd"));
  }

  @Test
  void overlongEncodingsAreMalformed() {
    assertEquals(0, check("c0 80"));
    assertEquals(0, check("c1 bf"));
    assertEquals(1, check("e0 9f bf"));
    assertEquals(1, check("f0 8f bf bf"));
  }

  @Test
  void surrogatesAreMalformed() {
    assertEquals(1, check("ed a0 80"));
    assertEquals(1, check("ed bf bf"));
  }

  @Test
  void codePointsAboveU10ffffAreMalformed() {
    assertEquals(1, check("f4 90 80 80"));
    assertEquals(0, check("f5 80 80 80"));
  }

  @Test
  void strayContinuationByteIsMalformed() {
    assertEquals(1, check("61 80"));
  }

  @Test
  void sequenceCutShortByTheNextLeadByteIsMalformed() {
    assertEquals(1, check("e2 41"));
  }

  @Test
  void sequenceOpenAtTheEndIsMalformedAtTheEnd() {
    assertEquals(3, check("61 f0 9f"));
  }

  @Test
  void sequenceSplitAcrossChunksIsWellFormed() {
    byte[] bytes = hex("f0 9f 98 80");
    Utf8Validator utf8 = new Utf8Validator();
    for (int i = 0; i < bytes.length; i++) {
      utf8.update(bytes, i, 1);
    }

    assertEquals(true, utf8.finish());
  }

  @Test
  void offsetCountsAcrossChunks() {
    Utf8Validator utf8 = new Utf8Validator();
    utf8.update(hex("61 62"), 0, 2);
    utf8.update(hex("63 ff 64"), 0, 3);

    assertEquals(false, utf8.finish());
    assertEquals(3, utf8.invalidOffset());
  }

  @Test
  void aMalformedByteAnywhereInALongAsciiRunIsFoundAtItsOffsetWhateverTheChunking() {
    for (int bad = 0; bad < 40; bad++) {
      byte[] bytes = "the quick brown fox jumps over a lazy do".getBytes(StandardCharsets.US_ASCII);
      bytes[bad] = (byte) 0xff;
      for (int split = 0; split <= bytes.length; split++) {
        Utf8Validator utf8 = new Utf8Validator();
        utf8.update(bytes, 0, split);
        utf8.update(bytes, split, bytes.length - split);

        assertEquals(false, utf8.finish(), "bad=" + bad + " split=" + split);
        assertEquals(bad, utf8.invalidOffset(), "bad=" + bad + " split=" + split);
      }
    }
  }

  @Test
  void aSequenceAfterAnAsciiRunIsCheckedAtEveryAlignment() {
    for (int ascii = 0; ascii < 20; ascii++) {
      byte[] good = ("a".repeat(ascii) + "\u011f" + "b".repeat(9)).getBytes(StandardCharsets.UTF_8);
      byte[] cut = Arrays.copyOf(good, good.length);
      cut[ascii + 1] = 'x'; // the continuation byte of U+011F replaced

      assertEquals(-1, check(HexFormat.ofDelimiter(" ").formatHex(good)), "ascii=" + ascii);
      assertEquals(ascii + 1, check(HexFormat.ofDelimiter(" ").formatHex(cut)), "ascii=" + ascii);
    }
  }
}

package io.tapflow.processor.websocket;

import static io.tapflow.processor.websocket.Bytes.concat;
import static io.tapflow.processor.websocket.Bytes.hex;
import static io.tapflow.processor.websocket.FrameSearch.Horizon.DATA_ENDS;
import static io.tapflow.processor.websocket.FrameSearch.Horizon.OPEN;
import static io.tapflow.processor.websocket.FrameSearch.Horizon.WINDOW_FULL;
import static io.tapflow.processor.websocket.FrameSearch.Verdict.FRAME;
import static io.tapflow.processor.websocket.FrameSearch.Verdict.NEED_MORE;
import static io.tapflow.processor.websocket.FrameSearch.Verdict.NOT_A_FRAME;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.tapflow.processor.websocket.FrameSearch.Horizon;
import io.tapflow.processor.websocket.FrameSearch.Verdict;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Which offsets of bytes with unknown framing start a frame. */
class FrameSearchTest {

  private final FrameSearch server = new FrameSearch(false, false);
  private final FrameSearch serverWithDeflate = new FrameSearch(false, true);
  private final FrameSearch client = new FrameSearch(true, false);

  /** Four unmasked single-byte text frames: "a", "b", "c", "d". */
  private static final String FOUR_TEXTS = "81 01 61  81 01 62  81 01 63  81 01 64";

  private static Verdict judge(FrameSearch search, String hex, Horizon horizon) {
    byte[] bytes = hex(hex);
    return search.judge(bytes, 0, bytes.length, horizon);
  }

  @Test
  void headerFollowedByThreeMorePlausibleHeadersIsAFrame() {
    assertEquals(FRAME, judge(server, FOUR_TEXTS, OPEN));
  }

  @Test
  void chainOfThreeHeadersNeedsMoreUnlessTheDataEndsThere() {
    String three = "81 01 61  81 01 62  81 01 63";

    assertEquals(NEED_MORE, judge(server, three, OPEN));
    assertEquals(FRAME, judge(server, three, DATA_ENDS));
  }

  @Test
  void chainRunningPastTheEndOfTheDataIsNotAFrame() {
    assertEquals(NOT_A_FRAME, judge(server, "81 01 61  81 05 62 63", DATA_ENDS));
  }

  @Test
  void atAFullWindowTwoHeadersAreEnoughAndOneIsNot() {
    assertEquals(FRAME, judge(server, "81 01 61  82 7e 01 00 00", WINDOW_FULL));
    assertEquals(NOT_A_FRAME, judge(server, "82 7e 01 00 00 00", WINDOW_FULL));
  }

  @Test
  void reservedOpcodeIsNotAFrame() {
    assertEquals(NOT_A_FRAME, judge(server, "83 01 61  " + FOUR_TEXTS, OPEN));
  }

  @Test
  void continuationIsNeverTheFirstFrameFound() {
    assertEquals(NOT_A_FRAME, judge(server, "80 01 61  " + FOUR_TEXTS, OPEN));
  }

  @Test
  void continuationMayFollowAControlFrameFoundInsideAFragmentedMessage() {
    assertEquals(FRAME, judge(server, "89 00  80 01 61  81 01 62  81 01 63", OPEN));
  }

  @Test
  void dataFrameInsideAnOpenMessageBreaksTheChain() {
    assertEquals(NOT_A_FRAME, judge(server, "01 01 61  81 01 62  81 01 63  81 01 64", OPEN));
  }

  @Test
  void emptyFragmentThatIsNotTheLastIsNotPlausible() {
    assertEquals(NOT_A_FRAME, judge(server, "01 00  80 01 61  81 01 62  81 01 63", OPEN));
    assertEquals(NOT_A_FRAME, judge(server, "01 01 61  00 00  80 01 62  81 01 63", DATA_ENDS));
  }

  @Test
  void continuationsThatAreNotTheLastAreNoEvidence() {
    // "00 01 x" is a weak link: five of them and two strong headers are not four strong ones.
    String weak = "00 01 78  ".repeat(5);

    assertEquals(NEED_MORE, judge(server, "01 01 61  " + weak + "80 01 62", OPEN));
    assertEquals(FRAME, judge(server, "01 01 61  " + weak + "80 01 62  81 00  82 00", OPEN));
  }

  @Test
  void nothingFollowsACloseFrame() {
    assertEquals(FRAME, judge(server, "81 01 61  88 02 03 e8", DATA_ENDS));
    assertEquals(NOT_A_FRAME, judge(server, "88 02 03 e8  81 01 61", DATA_ENDS));
  }

  @Test
  void closeFrameInsideAFragmentedMessageIsNotPlausible() {
    assertEquals(NOT_A_FRAME, judge(server, "01 01 61  88 02 03 e8", DATA_ENDS));
  }

  @Test
  void maskBitMustFitTheDirection() {
    String masked = "81 81 00 00 00 01 61  81 81 00 00 00 02 62  81 81 00 00 00 03 63";

    assertEquals(NOT_A_FRAME, judge(client, FOUR_TEXTS, OPEN));
    assertEquals(FRAME, judge(client, masked, DATA_ENDS));
    assertEquals(NOT_A_FRAME, judge(server, masked, DATA_ENDS));
  }

  @Test
  void maskingKeyUsedTwiceInAChainIsAPatternInTheDataNotFrames() {
    String sameKey = "81 81 00 00 00 01 61  81 81 00 00 00 01 62";

    assertEquals(NOT_A_FRAME, judge(client, sameKey, DATA_ENDS));
  }

  @Test
  void rsv1OnlyOnTheFirstFrameOfADataMessageAndOnlyWhereCompressionIsPossible() {
    String compressed = "c1 02 ca 00  c2 01 00";

    assertEquals(NOT_A_FRAME, judge(server, compressed, DATA_ENDS));
    assertEquals(FRAME, judge(serverWithDeflate, compressed, DATA_ENDS));
    assertEquals(NOT_A_FRAME, judge(serverWithDeflate, "c9 00  81 01 61", DATA_ENDS));
    assertEquals(NOT_A_FRAME, judge(serverWithDeflate, "41 01 61  c0 01 62", DATA_ENDS));
  }

  @Test
  void rsv2AndRsv3AreNeverPlausible() {
    assertEquals(NOT_A_FRAME, judge(serverWithDeflate, "a1 01 61  81 01 62", DATA_ENDS));
    assertEquals(NOT_A_FRAME, judge(serverWithDeflate, "91 01 61  81 01 62", DATA_ENDS));
  }

  @Test
  void controlFrameMustBeFinalAndAtMost125BytesLong() {
    assertEquals(NOT_A_FRAME, judge(server, "09 00  81 01 61", DATA_ENDS));
    assertEquals(
        NOT_A_FRAME,
        server.judge(
            concat(hex("89 7e 00 7e"), new byte[126]), 0, 130, FrameSearch.Horizon.DATA_ENDS));
  }

  @Test
  void lengthMustUseTheMinimalEncodingAndStayUnder4Gib() {
    assertEquals(NOT_A_FRAME, judge(server, "82 7e 00 05 01 02 03 04 05", DATA_ENDS));
    assertEquals(NOT_A_FRAME, judge(server, "82 7f 00 00 00 00 00 00 ff ff", DATA_ENDS));
    assertEquals(NOT_A_FRAME, judge(server, "82 7f 00 00 00 01 00 00 00 00", OPEN));
    assertEquals(NEED_MORE, judge(server, "82 7f 00 00 00 00 00 01 00 00", OPEN));
  }

  @Test
  void closeFrameNeedsAStatusCodeTheRfcAllows() {
    assertEquals(NOT_A_FRAME, judge(server, "88 01 03", DATA_ENDS));
    assertEquals(NOT_A_FRAME, judge(server, "88 02 03 ed", DATA_ENDS));
    assertEquals(FRAME, judge(server, "88 02 0f a0", DATA_ENDS));
    assertEquals(FRAME, judge(server, "88 00", DATA_ENDS));
  }

  @Test
  void uncompressedTextMustBeWellFormedUtf8ButCompressedTextIsNotChecked() {
    assertEquals(NOT_A_FRAME, judge(server, "81 02 c3 28", DATA_ENDS));
    assertEquals(NOT_A_FRAME, judge(server, "81 01 e2", DATA_ENDS));
    assertEquals(FRAME, judge(server, "01 01 e2  80 02 9c 93", DATA_ENDS));
    assertEquals(FRAME, judge(serverWithDeflate, "c1 02 c3 28", DATA_ENDS));
  }

  @Test
  void maskedTextIsCheckedAfterUnmasking() {
    // "Hello" masked with 37 fa 21 3d (RFC 6455 §5.7), then with its last byte flipped to 0xff.
    assertEquals(FRAME, judge(client, "81 85 37 fa 21 3d 7f 9f 4d 51 58", DATA_ENDS));
    assertEquals(NOT_A_FRAME, judge(client, "81 85 37 fa 21 3d 7f 9f 4d 51 c2", DATA_ENDS));
  }

  @Test
  void verdictOnceGivenStaysTheSameAsMoreBytesCome() {
    Random random = new Random(7);
    for (int round = 0; round < 200; round++) {
      byte[] bytes = new byte[300];
      random.nextBytes(bytes);
      for (int from = 0; from < 40; from++) {
        Verdict first = null;
        for (int to = from + 1; to <= bytes.length; to++) {
          Verdict verdict = serverWithDeflate.judge(bytes, from, to, OPEN);
          if (first == null && verdict != NEED_MORE) {
            first = verdict;
          } else if (first != null) {
            assertEquals(first, verdict, "round " + round + " from " + from + " to " + to);
          }
        }
      }
    }
  }

  @Test
  void headerForgedInTheLastBytesOfALostFrameGivesWayToTheFramesItWouldSwallow() {
    // "82 0a" claims ten bytes and so reaches the fourth text frame; inside those ten bytes are
    // three true frames: they, not the forged one, are where framing resumes.
    byte[] bytes = hex("82 0a  81 01 61  81 01 62  89 02 68 69  81 01 63  81 01 64  81 01 65");

    assertEquals(FRAME, serverWithDeflate.judge(bytes, 0, bytes.length, OPEN));
    assertEquals(2, serverWithDeflate.refine(bytes, 0, bytes.length));
  }

  @Test
  void frameWhosePayloadHoldsNoChainOfTrueFramesIsKept() {
    byte[] bytes = hex("82 05 81 01 61 00 00  81 01 62  81 01 63  81 01 64");

    assertEquals(0, serverWithDeflate.refine(bytes, 0, bytes.length));
  }
}

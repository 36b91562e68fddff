package io.tapflow.processor.websocket;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class PerMessageDeflateTest {

  @Test
  void bareExtensionHasDefaultParameters() {
    assertEquals(
        new PerMessageDeflate(false, false, 15, 15),
        PerMessageDeflate.fromAcceptedExtensions("permessage-deflate"));
  }

  @Test
  void everyParameterIsRead() {
    assertEquals(
        new PerMessageDeflate(true, true, 10, 12),
        PerMessageDeflate.fromAcceptedExtensions(
            "permessage-deflate; server_no_context_takeover; client_no_context_takeover;"
                + " server_max_window_bits=10; client_max_window_bits=\"12\""));
  }

  @Test
  void namesAreCaseInsensitiveAndWhitespaceIsIgnored() {
    assertEquals(
        new PerMessageDeflate(true, false, 9, 15),
        PerMessageDeflate.fromAcceptedExtensions(
            "  PerMessage-Deflate ;Server_No_Context_Takeover ;  SERVER_MAX_WINDOW_BITS = 9 "));
  }

  @Test
  void permessageDeflateIsFoundAmongOtherExtensions() {
    assertEquals(
        new PerMessageDeflate(false, false, 15, 11),
        PerMessageDeflate.fromAcceptedExtensions(
            "x-webkit-deflate-frame; no_context_takeover, permessage-deflate;"
                + " client_max_window_bits=11"));
  }

  @Test
  void onlyTheFirstPermessageDeflateCounts() {
    assertEquals(
        new PerMessageDeflate(true, false, 15, 15),
        PerMessageDeflate.fromAcceptedExtensions(
            "permessage-deflate; server_no_context_takeover, permessage-deflate"));
  }

  @Test
  void quotedSeparatorsDoNotSplit() {
    assertEquals(
        new PerMessageDeflate(false, true, 15, 15),
        PerMessageDeflate.fromAcceptedExtensions(
            "x-foo; bar=\"a, permessage-deflate\", permessage-deflate; client_no_context_takeover"));
  }

  @Test
  void missingOrInvalidWindowBitsReadAsFifteen() {
    assertEquals(
        new PerMessageDeflate(false, false, 15, 15),
        PerMessageDeflate.fromAcceptedExtensions(
            "permessage-deflate; server_max_window_bits=20; client_max_window_bits"));
    assertEquals(
        new PerMessageDeflate(false, false, 15, 15),
        PerMessageDeflate.fromAcceptedExtensions(
            "permessage-deflate; server_max_window_bits=7; client_max_window_bits=x"));
  }

  @Test
  void unknownParametersAreIgnored() {
    assertEquals(
        PerMessageDeflate.DEFAULT,
        PerMessageDeflate.fromAcceptedExtensions("permessage-deflate; mystery=1"));
  }

  @Test
  void absentExtensionGivesNull() {
    assertNull(PerMessageDeflate.fromAcceptedExtensions(null));
    assertNull(PerMessageDeflate.fromAcceptedExtensions(""));
    assertNull(PerMessageDeflate.fromAcceptedExtensions("x-webkit-deflate-frame"));
    assertNull(PerMessageDeflate.fromAcceptedExtensions("permessage-deflate-not"));
  }

  @Test
  void senderParametersFollowTheDirection() {
    PerMessageDeflate deflate = new PerMessageDeflate(true, false, 10, 12);

    assertEquals(true, deflate.noContextTakeover(false));
    assertEquals(false, deflate.noContextTakeover(true));
    assertEquals(10, deflate.maxWindowBits(false));
    assertEquals(12, deflate.maxWindowBits(true));
  }

  @Test
  void windowBitsOutsideEightToFifteenAreRejected() {
    assertThrows(IllegalArgumentException.class, () -> new PerMessageDeflate(false, false, 7, 15));
    assertThrows(IllegalArgumentException.class, () -> new PerMessageDeflate(false, false, 15, 16));
  }
}

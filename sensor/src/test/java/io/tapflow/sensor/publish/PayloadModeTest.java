package io.tapflow.sensor.publish;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class PayloadModeTest {
  @Test
  void theThreeFormsReadAndPrintAsGiven() {
    assertSame(PayloadMode.FULL, PayloadMode.parse("full"));
    assertSame(PayloadMode.NONE, PayloadMode.parse("none"));
    assertEquals(new PayloadMode(64), PayloadMode.parse("cap:64"));
    assertEquals(new PayloadMode(1), PayloadMode.parse("cap:1"));
    assertEquals(new PayloadMode(2147483646), PayloadMode.parse("cap:2147483646"));
    assertSame(PayloadMode.FULL, PayloadMode.parse("cap:2147483647"));
    for (String text : List.of("full", "none", "cap:1", "cap:64", "cap:262144")) {
      assertEquals(text, PayloadMode.parse(text).toString());
    }
    assertEquals("cap:7", PayloadMode.parse("cap:007").toString());
  }

  @Test
  void aModeKeepsTheFirstBytesUpToItsCap() {
    assertEquals(0, PayloadMode.NONE.kept(0));
    assertEquals(0, PayloadMode.NONE.kept(1460));
    assertEquals(0, PayloadMode.cap(64).kept(0));
    assertEquals(63, PayloadMode.cap(64).kept(63));
    assertEquals(64, PayloadMode.cap(64).kept(64));
    assertEquals(64, PayloadMode.cap(64).kept(65));
    assertEquals(64, PayloadMode.cap(64).kept(262_144));
    assertEquals(262_144, PayloadMode.FULL.kept(262_144));
    assertEquals(Integer.MAX_VALUE, PayloadMode.FULL.kept(Integer.MAX_VALUE));
    assertTrue(PayloadMode.FULL.isFull());
    assertFalse(PayloadMode.cap(262_144).isFull());
    assertFalse(PayloadMode.NONE.isFull());
  }

  @Test
  void anythingElseIsRefusedNamingTheFormsAccepted() {
    for (String text :
        List.of(
            "",
            "FULL",
            "None",
            "cap",
            "cap:",
            "cap:0",
            "cap:-1",
            "cap:+5",
            "cap:1k",
            "cap: 5",
            "cap:2147483648",
            "cap:99999999999",
            "cap:64 ",
            "headers")) {
      IllegalArgumentException e =
          assertThrows(IllegalArgumentException.class, () -> PayloadMode.parse(text), text);
      assertEquals(
          "payload mode must be full, none or cap:N with N from 1 to 2147483647: " + text,
          e.getMessage());
    }
    assertEquals(
        "cap:N needs N of at least 1 (no payload is none): 0",
        assertThrows(IllegalArgumentException.class, () -> PayloadMode.cap(0)).getMessage());
    assertThrows(IllegalArgumentException.class, () -> new PayloadMode(-1));
  }
}

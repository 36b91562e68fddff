package io.tapflow.cli.tail;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ConnectionSelectorTest {
  // ayse's connection in samples/chat.pcap, as the processor wrote it.
  private static final String KEY = "local|127.0.0.1:47272|127.0.0.1:47274";
  private static final String ID = "C2cu3kcovs29ee";
  private static final String COMMUNITY_ID = "1:fj2k9T4J5S1lX9Au591GV4/BZv0=";
  private static final String OTHER_KEY = "local|127.0.0.1:47272|127.0.0.1:47273";

  @Test
  void theCommunityIdOfAKeyIsTheOneTheProcessorWrites() {
    assertEquals(COMMUNITY_ID, ConnectionSelector.communityIdOfKey(KEY));
    assertEquals("1:YkqiJbwZqzV7ol+i9w0Oj9qIyQU=", ConnectionSelector.communityIdOfKey(OTHER_KEY));
    assertNull(ConnectionSelector.communityIdOfKey("not a key"));
    assertNull(ConnectionSelector.communityIdOfKey("s|a|b"));
  }

  @Test
  void aConnectionIsSelectedByItsIdItsKeyOrItsCommunityId() {
    for (String name : new String[] {ID, KEY, COMMUNITY_ID}) {
      ConnectionSelector s = new ConnectionSelector(name);
      assertTrue(s.matches(KEY, ID), name);
      assertFalse(s.matches(OTHER_KEY, "C1zpnp5fh0ehv9"), name);
      assertTrue(s.matches(KEY, ID), name + " again after another key");
    }
  }

  @Test
  void aCommunityIdSelectsTheFlowAsEverySensorSawIt() {
    ConnectionSelector s = new ConnectionSelector(COMMUNITY_ID);
    assertTrue(s.matches("sensor-b|127.0.0.1:47272|127.0.0.1:47274", "Cxyz"));
    assertFalse(
        new ConnectionSelector(KEY).matches("sensor-b|127.0.0.1:47272|127.0.0.1:47274", "C"));
  }

  @Test
  void anEmptySelectorIsRefused() {
    assertEquals(
        "--connection needs a connection id, key or Community ID",
        assertThrows(IllegalArgumentException.class, () -> new ConnectionSelector(" "))
            .getMessage());
  }
}

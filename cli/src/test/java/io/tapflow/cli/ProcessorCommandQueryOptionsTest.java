package io.tapflow.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** What {@code processor} advertises to the other instances for lookups, and what it refuses. */
class ProcessorCommandQueryOptionsTest {
  private static String advertised(String... args) {
    ProcessorCommand c = new ProcessorCommand();
    new CommandLine(c).parseArgs(args);
    return c.advertisedQueryAddress();
  }

  private static String refused(String... args) {
    return assertThrows(IllegalArgumentException.class, () -> advertised(args)).getMessage();
  }

  @Test
  void lookupsAreOffUnlessAnAddressIsGiven() {
    assertNull(advertised());
  }

  @Test
  void theQueryAddressIsAdvertisedUnlessAnotherIsGiven() {
    assertEquals("127.0.0.1:48731", advertised("--query-address", "127.0.0.1:48731"));
    assertEquals(
        "[::1]:48731",
        advertised(
            "--query-address", "0.0.0.0:48731", "--query-advertised-address", "[::1]:48731"));
  }

  @Test
  void anAddressTheOtherInstancesCannotReachIsRefused() {
    String hint = ": give the host and port they reach this one at with --query-advertised-address";
    assertEquals(
        "the other instances cannot reach 0.0.0.0:9469" + hint,
        refused("--query-address", "0.0.0.0:9469"));
    assertEquals(
        "the other instances cannot reach [::]:9469" + hint,
        refused("--query-address", "[::]:9469"));
    assertEquals(
        "the other instances cannot reach 127.0.0.1:0" + hint,
        refused("--query-address", "127.0.0.1:0"));
    assertEquals(
        "--query-advertised-address needs --query-address",
        refused("--query-advertised-address", "host-1:9469"));
    assertEquals(
        "a query address is HOST:PORT (127.0.0.1:9465, 0.0.0.0:9465, [::1]:9465), not \"9469\"",
        refused("--query-address", "9469"));
  }
}

package io.tapflow.cli.generate;

import java.io.IOException;

/** Receives the generator's packets, in capture order: whole Ethernet frames with their time. */
@FunctionalInterface
public interface PacketSink {
  /** One Ethernet frame captured at {@code timestampMicros} (microseconds since the epoch). */
  void packet(long timestampMicros, byte[] frame) throws IOException;
}

package io.tapflow.processor.streams;

import io.tapflow.schemas.PacketRecord;
import java.util.function.BiConsumer;

/**
 * Reads a range of a packets-topic partition again, for a task that restores its connections from a
 * checkpoint older than its committed input offset.
 */
interface InputReplay {
  /**
   * Hands every decodable record of {@code topic}/{@code partition} at offsets {@code from}
   * (inclusive) to {@code to} (exclusive), in offset order, to {@code sink} (key, value).
   *
   * @return how many offsets of the range could not be read because the log no longer holds them
   *     (deleted by retention); records of the range that did not decode are skipped silently, as
   *     they were counted and dead-lettered when first processed
   */
  long replay(
      String topic, int partition, long from, long to, BiConsumer<String, PacketRecord> sink);
}

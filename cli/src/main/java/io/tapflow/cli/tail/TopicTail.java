package io.tapflow.cli.tail;

import io.tapflow.schemas.Topics;
import io.tapflow.schemas.ValueSerdes;
import java.io.PrintStream;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Properties;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * Reads one query's topic with a plain consumer (no group: it assigns itself every partition and
 * commits nothing) and prints the records the query selects.
 *
 * <p><b>Where it starts.</b> With {@code from}, each partition is positioned with {@code
 * offsetsForTimes} at its first record whose Kafka timestamp is at or after {@code from}, rounded
 * down to the millisecond. The processor stamps every output record with a capture time in it (the
 * record's timestamp; a connection record's end time) in milliseconds, rounded down, so every
 * record that can match (capture time, or end time, at or after {@code from}) has a Kafka timestamp
 * at or after that: none is skipped, whatever the order of timestamps in the partition. Records
 * read after that point that are older are left out by the capture-time filter.
 *
 * <p><b>Where it ends.</b> Without follow, at the end offsets of the partitions when it started.
 * With {@code until}, a partition of messages, chat events or anomalies is also done at its first
 * record stamped later than {@code until} plus the query's lateness; connection records are never
 * cut this way (a connection open at {@code until} may be recorded much later). With follow, a
 * partition is done only that way, or when it is caught up and the wall clock is past {@code until}
 * plus the lateness; without {@code until}, it follows until interrupted. The limit ends it too.
 */
public final class TopicTail {
  private static final Duration POLL = Duration.ofMillis(200);

  /**
   * What a run did.
   *
   * @param read records read from the topic
   * @param printed records printed
   * @param undecodable records whose value did not decode (skipped, reported on stderr)
   */
  public record Result(long read, long printed, long undecodable) {}

  private TopicTail() {}

  /**
   * Runs {@code query} against the cluster of {@code clientProperties}.
   *
   * @throws IllegalStateException when the topic does not exist
   */
  public static Result run(
      Properties clientProperties,
      Topics topics,
      TailQuery query,
      PrintStream out,
      PrintStream err,
      Clock clock) {
    return run(clientProperties, topics, query, ValueSerdes.singleObject(), out, err, clock);
  }

  /** The same, decoding values with {@code values} (a schema registry's wire format too). */
  public static Result run(
      Properties clientProperties,
      Topics topics,
      TailQuery query,
      ValueSerdes values,
      PrintStream out,
      PrintStream err,
      Clock clock) {
    RecordPrinter printer = RecordPrinter.of(query, values);
    String topic = printer.topic(topics);
    Properties p = new Properties();
    // Committed records only (the processor writes transactionally); the user's settings may
    // override that. Never commit: tail reads without a consumer group.
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    p.put(ConsumerConfig.CLIENT_ID_CONFIG, "tapflow-tail");
    p.putAll(clientProperties);
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    try (KafkaConsumer<String, byte[]> consumer =
        new KafkaConsumer<>(p, new StringDeserializer(), new ByteArrayDeserializer())) {
      var infos = consumer.partitionsFor(topic);
      if (infos == null || infos.isEmpty()) {
        throw new IllegalStateException(
            "topic " + topic + " does not exist (is --topic-prefix right?)");
      }
      List<TopicPartition> partitions = new ArrayList<>();
      infos.forEach(i -> partitions.add(new TopicPartition(topic, i.partition())));
      consumer.assign(partitions);
      seek(consumer, partitions, query.from());
      Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
      long stampLimit =
          query.until() == null || !printer.endsByTime()
              ? Long.MAX_VALUE
              : saturatedAdd(query.until().toEpochMilli(), query.lateness().toMillis());

      Set<TopicPartition> done = new HashSet<>();
      long read = 0;
      long printed = 0;
      long undecodable = 0;
      String header = printer.header();
      if (header != null) {
        out.println(header);
      }
      while (printed < query.limit()) {
        for (TopicPartition tp : partitions) {
          if (!done.contains(tp) && finished(consumer, tp, query, end, stampLimit, clock)) {
            done.add(tp);
          }
        }
        if (done.size() == partitions.size()) {
          break;
        }
        consumer.pause(done);
        ConsumerRecords<String, byte[]> records = consumer.poll(POLL);
        for (TopicPartition tp : records.partitions()) {
          for (ConsumerRecord<String, byte[]> r : records.records(tp)) {
            if (done.contains(tp) || printed >= query.limit()) {
              break;
            }
            if (r.timestamp() > stampLimit) {
              done.add(tp); // past --until, however late a record may come
              break;
            }
            if (!query.follow() && r.offset() >= end.get(tp)) {
              done.add(tp);
              break;
            }
            read++;
            String line;
            try {
              line = printer.line(r.key(), r.value());
            } catch (SerializationException e) {
              if (undecodable++ == 0) {
                err.println(
                    "tapflow tail: skipping a record that does not decode ("
                        + tp
                        + " offset "
                        + r.offset()
                        + "): "
                        + e.getMessage());
              }
              continue;
            }
            if (line != null) {
              out.println(line);
              printed++;
            }
          }
        }
        out.flush();
      }
      if (undecodable > 1) {
        err.println("tapflow tail: " + undecodable + " records did not decode");
      }
      out.flush();
      return new Result(read, printed, undecodable);
    }
  }

  /** Positions every partition at its beginning, or at its first record stamped at/after from. */
  private static void seek(
      KafkaConsumer<String, byte[]> consumer, List<TopicPartition> partitions, Instant from) {
    if (from == null) {
      consumer.seekToBeginning(partitions);
      return;
    }
    Map<TopicPartition, Long> at = new HashMap<>();
    partitions.forEach(tp -> at.put(tp, from.toEpochMilli()));
    Map<TopicPartition, OffsetAndTimestamp> found = consumer.offsetsForTimes(at);
    List<TopicPartition> none = new ArrayList<>();
    for (TopicPartition tp : partitions) {
      OffsetAndTimestamp o = found.get(tp);
      if (o == null) {
        none.add(tp); // nothing stamped at or after from yet
      } else {
        consumer.seek(tp, o.offset());
      }
    }
    if (!none.isEmpty()) { // (an empty list would mean every assigned partition)
      consumer.seekToEnd(none);
    }
  }

  private static boolean finished(
      KafkaConsumer<String, byte[]> consumer,
      TopicPartition tp,
      TailQuery query,
      Map<TopicPartition, Long> end,
      long stampLimit,
      Clock clock) {
    if (!query.follow()) {
      return consumer.position(tp) >= end.get(tp);
    }
    if (stampLimit == Long.MAX_VALUE || clock.millis() <= stampLimit) {
      return false;
    }
    OptionalLong lag = consumer.currentLag(tp);
    return lag.isPresent() && lag.getAsLong() == 0;
  }

  private static long saturatedAdd(long a, long b) {
    long s = a + b;
    return ((a ^ s) & (b ^ s)) < 0 ? Long.MAX_VALUE : s;
  }
}

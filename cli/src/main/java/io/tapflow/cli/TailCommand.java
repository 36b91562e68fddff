package io.tapflow.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tapflow.cli.output.JsonLines;
import io.tapflow.schemas.TapflowSerdes;
import io.tapflow.schemas.Topics;
import io.tapflow.schemas.ValueSerdes;
import java.io.PrintStream;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Callable;
import java.util.function.Function;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** The {@code tail} command: an output topic as JSON lines. */
@Command(
    name = "tail",
    mixinStandardHelpOptions = true,
    description = "Prints an output topic (messages, connections, chat, anomalies) as JSON lines.")
public final class TailCommand implements Callable<Integer> {
  @Parameters(index = "0", description = "messages, connections, chat or anomalies.")
  String which;

  @Option(names = "--topic-prefix", description = "Prefix of the topic names.")
  String topicPrefix = "";

  @Option(
      names = {"-f", "--follow"},
      description = "Keep printing new records.")
  boolean follow;

  @Mixin KafkaOptions kafka;

  @Override
  public Integer call() throws Exception {
    Topics topics = Topics.DEFAULT.withPrefix(topicPrefix);
    ValueSerdes values = ValueSerdes.of(kafka.schemaRegistry());
    Function<byte[], ObjectNode> format;
    String topic;
    switch (which) {
      case "messages" -> {
        topic = topics.messages();
        format = b -> JsonLines.message(values.webSocketMessage().decode(b));
      }
      case "connections" -> {
        topic = topics.connections();
        format = b -> JsonLines.connection(values.connectionRecord().decode(b));
      }
      case "chat" -> {
        topic = topics.chat();
        format = b -> JsonLines.chat(values.chatEvent().decode(b));
      }
      case "anomalies" -> {
        topic = topics.anomalies();
        format = b -> JsonLines.anomaly(values.anomaly().decode(b));
      }
      default -> {
        System.err.println(
            "tapflow tail: unknown topic '" + which + "' (messages, connections, chat, anomalies)");
        return 2;
      }
    }
    Properties p = kafka.properties(BrokerCommand.LOCAL_BOOTSTRAP);
    p.put("isolation.level", "read_committed");
    long undecodable = tail(p, topic, format, follow, System.out);
    return undecodable == 0 ? 0 : 1;
  }

  /**
   * Prints {@code topic} from its beginning; to its current end, or forever with follow. A record
   * that does not decode is reported on stderr (topic, partition, offset, why) and skipped.
   *
   * @return the records that did not decode
   */
  static long tail(
      Properties props,
      String topic,
      Function<byte[], ObjectNode> format,
      boolean follow,
      PrintStream out) {
    try (KafkaConsumer<byte[], byte[]> consumer =
        new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      List<TopicPartition> partitions =
          consumer.partitionsFor(topic).stream()
              .map(i -> new TopicPartition(topic, i.partition()))
              .toList();
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
      long undecodable = 0;
      while (follow || partitions.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))) {
        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
          try {
            out.println(JsonLines.line(format.apply(r.value())));
          } catch (SerializationException e) {
            undecodable++;
            System.err.printf(
                "tapflow tail: %s-%d offset %d does not decode: %s%n",
                r.topic(), r.partition(), r.offset(), e.getMessage());
          }
        }
        out.flush();
      }
      return undecodable;
    }
  }

  static Function<byte[], ObjectNode> messagesFormat() {
    return b -> JsonLines.message(TapflowSerdes.webSocketMessage().decode(b));
  }
}

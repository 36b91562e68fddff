package io.tapflow.cli;

import io.tapflow.schemas.Topics;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.errors.TopicExistsException;

/** Creates tapflow's topics where they do not exist yet. */
public final class TopicAdmin {
  private TopicAdmin() {}

  /**
   * Creates the packets topic with {@code partitions} partitions and the output topics with the
   * same count; existing topics are left as they are.
   *
   * @param replicationFactor -1 for the broker's default
   * @param topicConfig settings for every created topic (for example retention.ms)
   */
  public static void ensure(
      Admin admin,
      Topics topics,
      int partitions,
      short replicationFactor,
      Map<String, String> topicConfig)
      throws InterruptedException, ExecutionException {
    Set<String> existing = admin.listTopics().names().get();
    List<NewTopic> missing = new ArrayList<>();
    Optional<Short> rf = replicationFactor < 0 ? Optional.empty() : Optional.of(replicationFactor);
    for (String name :
        List.of(
            topics.packets(),
            topics.messages(),
            topics.connections(),
            topics.chat(),
            topics.anomalies(),
            topics.deadLetters())) {
      if (!existing.contains(name)) {
        missing.add(new NewTopic(name, Optional.of(partitions), rf).configs(topicConfig));
      }
    }
    try {
      admin.createTopics(missing).all().get();
    } catch (ExecutionException e) {
      if (!(e.getCause() instanceof TopicExistsException)) {
        throw e;
      }
    }
    awaitLeaders(admin, missing.stream().map(NewTopic::name).toList());
  }

  /** The partitions of {@code topic}. */
  public static int partitions(Admin admin, String topic)
      throws InterruptedException, ExecutionException {
    return admin
        .describeTopics(List.of(topic))
        .allTopicNames()
        .get()
        .get(topic)
        .partitions()
        .size();
  }

  /**
   * Waits until every partition of new topics has a leader. A producer that writes to a topic the
   * broker does not lead yet gets NotLeaderOrFollower, and its idempotent retries can then collide
   * with later batches (OutOfOrderSequence) until the delivery timeout.
   */
  static void awaitLeaders(Admin admin, List<String> names)
      throws InterruptedException, ExecutionException {
    if (names.isEmpty()) {
      return;
    }
    long deadline = System.nanoTime() + 30_000_000_000L;
    while (true) {
      boolean ready;
      try {
        ready =
            admin.describeTopics(names).allTopicNames().get().values().stream()
                .flatMap(d -> d.partitions().stream())
                .allMatch(p -> p.leader() != null && !p.leader().isEmpty());
      } catch (ExecutionException e) {
        ready = false; // not known to the broker's metadata yet
      }
      if (ready) {
        return;
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("topics without a leader after 30 s: " + names);
      }
      Thread.sleep(50);
    }
  }
}

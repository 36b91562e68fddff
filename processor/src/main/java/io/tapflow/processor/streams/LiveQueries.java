package io.tapflow.processor.streams;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.KeyQueryMetadata;
import org.apache.kafka.streams.StreamsMetadata;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.query.FailureReason;
import org.apache.kafka.streams.query.QueryResult;
import org.apache.kafka.streams.query.StateQueryRequest;
import org.apache.kafka.streams.query.StateQueryResult;
import org.apache.kafka.streams.state.HostInfo;

/**
 * Runs {@link LiveQuery}s against this instance's active tasks with Kafka Streams' interactive
 * queries, and tells from the streams metadata which instance holds a key's partition.
 *
 * <p>It never goes to another instance itself: that is the HTTP layer's job, with the addresses
 * this class gives ({@code application.server} of each instance).
 */
public final class LiveQueries {
  private static final StringSerializer KEYS = new StringSerializer();

  private final KafkaStreams streams;
  private final String packetsTopic;
  private final HostInfo self;

  LiveQueries(KafkaStreams streams, String packetsTopic, String applicationServer) {
    this.streams = streams;
    this.packetsTopic = packetsTopic;
    this.self = applicationServer == null ? null : HostInfo.buildFromEndpoint(applicationServer);
  }

  /** A lookup cannot be answered now: the application is not running (rebalancing, starting). */
  public static final class UnavailableException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public UnavailableException(String message) {
      super(message);
    }
  }

  /** Where a key lives: its packets-topic partition and the instance running its active task. */
  public record Location(HostInfo host, int partition) {}

  /**
   * What this instance answered: the connections selected in the partitions it answered for.
   *
   * @param partitions the partitions whose active task is here and answered
   */
  public record Answer(List<LiveConnection> connections, SortedSet<Integer> partitions) {}

  /** This instance's {@code application.server}, or null when it has none. */
  public HostInfo self() {
    return self;
  }

  /**
   * The instance and partition of {@code key}, from the streams metadata.
   *
   * @throws UnavailableException when the metadata cannot say now (rebalancing, not started)
   */
  public Location locate(String key) {
    requireRunning();
    KeyQueryMetadata m;
    try {
      m = streams.queryMetadataForKey(ConnectionProcessor.STORE, key, KEYS);
    } catch (InvalidStateStoreException | IllegalStateException e) {
      throw new UnavailableException(e.getMessage());
    }
    if (m == null
        || m == KeyQueryMetadata.NOT_AVAILABLE
        || m.activeHost() == null
        || m.activeHost().port() < 0) {
      throw new UnavailableException("no instance holds the partition of " + key + " now");
    }
    return new Location(m.activeHost(), m.partition());
  }

  /**
   * Every instance of the application with the packets-topic partitions whose active task it runs,
   * by its address; only instances with an {@code application.server} are known.
   *
   * @throws UnavailableException when the application is not running
   */
  public Map<HostInfo, SortedSet<Integer>> instances() {
    requireRunning();
    Map<HostInfo, SortedSet<Integer>> out =
        new TreeMap<>((a, b) -> (a.host() + ":" + a.port()).compareTo(b.host() + ":" + b.port()));
    try {
      for (StreamsMetadata m : streams.metadataForAllStreamsClients()) {
        SortedSet<Integer> partitions = new TreeSet<>();
        for (TopicPartition tp : m.topicPartitions()) {
          if (tp.topic().equals(packetsTopic)) {
            partitions.add(tp.partition());
          }
        }
        out.put(m.hostInfo(), partitions);
      }
    } catch (InvalidStateStoreException | IllegalStateException e) {
      throw new UnavailableException(e.getMessage());
    }
    return out;
  }

  /**
   * Runs {@code query} on this instance's active task of {@code partition}.
   *
   * @throws UnavailableException when that task is not active and running here now
   */
  public Answer local(LiveQuery query, int partition) {
    return run(query, Set.of(partition));
  }

  /**
   * Runs {@code query} on every active task of this instance; the answer says which partitions
   * answered (standby tasks and tasks not running yet do not).
   *
   * @throws UnavailableException when the application is not running
   */
  public Answer local(LiveQuery query) {
    return run(query, null);
  }

  private Answer run(LiveQuery query, Set<Integer> partitions) {
    requireRunning();
    StateQueryRequest<List<LiveConnection>> request =
        StateQueryRequest.inStore(ConnectionProcessor.STORE).withQuery(query).requireActive();
    request = partitions == null ? request.withAllPartitions() : request.withPartitions(partitions);
    StateQueryResult<List<LiveConnection>> result;
    try {
      result = streams.query(request);
    } catch (InvalidStateStoreException | IllegalStateException e) {
      throw new UnavailableException(e.getMessage());
    }
    List<LiveConnection> found = new ArrayList<>();
    SortedSet<Integer> answered = new TreeSet<>();
    for (Map.Entry<Integer, QueryResult<List<LiveConnection>>> e :
        new TreeMap<>(result.getPartitionResults()).entrySet()) {
      QueryResult<List<LiveConnection>> r = e.getValue();
      if (r.isSuccess()) {
        found.addAll(r.getResult());
        answered.add(e.getKey());
      } else if (r.getFailureReason() == FailureReason.UNKNOWN_QUERY_TYPE) {
        throw new IllegalStateException(r.getFailureMessage());
      } else if (partitions != null) {
        throw new UnavailableException(
            "partition " + e.getKey() + " cannot answer here now: " + r.getFailureMessage());
      }
    }
    if (partitions != null && !answered.containsAll(partitions)) {
      throw new UnavailableException("partitions " + partitions + " are not active here now");
    }
    return new Answer(found, answered);
  }

  private void requireRunning() {
    KafkaStreams.State state = streams.state();
    if (state != KafkaStreams.State.RUNNING) {
      throw new UnavailableException("the processor is " + state);
    }
  }
}

package io.tapflow.processor.streams;

import io.tapflow.processor.analysis.AnalyzerConfig;
import io.tapflow.schemas.SchemaRegistrySettings;
import io.tapflow.schemas.Topics;
import java.util.Map;
import java.util.TreeSet;

/**
 * Configuration of the processor application; one immutable value with its defaults in {@link
 * #builder(String)}.
 *
 * @param bootstrapServers Kafka bootstrap servers
 * @param applicationId Kafka Streams application id (consumer group, state and changelog names)
 * @param topics the topics read and written
 * @param exactlyOnce exactly-once v2 (default) or at-least-once
 * @param replicationFactor replication factor of Kafka Streams' internal topics (-1: the broker's
 *     default)
 * @param stateDir where Kafka Streams keeps local state (null: its default)
 * @param commitIntervalMs Kafka Streams commit interval
 * @param checkpointIntervalMs the least time between two checkpoints of the connections' state (0:
 *     at every commit); a restarted task replays the input since its last checkpoint
 * @param streamThreads stream threads in this instance
 * @param analyzer connection analysis settings
 * @param liveView the live view of each task that interactive queries read (off by default)
 * @param applicationServer {@code HOST:PORT} at which the other instances reach this one's
 *     interactive queries (Kafka Streams' {@code application.server}), or null
 * @param clientProperties any further Kafka client or Streams property, applied last; they may hold
 *     secrets (SASL, TLS), so {@link #toString()} names them without their values
 * @param schemaRegistry the schema registry the output values are written through (in its wire
 *     format), or null for single-object encoding; packets are read in either format regardless
 */
public record ProcessorConfig(
    String bootstrapServers,
    String applicationId,
    Topics topics,
    boolean exactlyOnce,
    int replicationFactor,
    String stateDir,
    long commitIntervalMs,
    long checkpointIntervalMs,
    int streamThreads,
    AnalyzerConfig analyzer,
    LiveViewConfig liveView,
    String applicationServer,
    Map<String, String> clientProperties,
    SchemaRegistrySettings schemaRegistry) {

  /** Every setting, but only the names of the client properties: their values may be secrets. */
  @Override
  public String toString() {
    return "ProcessorConfig[bootstrapServers="
        + bootstrapServers
        + ", applicationId="
        + applicationId
        + ", topics="
        + topics
        + ", exactlyOnce="
        + exactlyOnce
        + ", replicationFactor="
        + replicationFactor
        + ", stateDir="
        + stateDir
        + ", commitIntervalMs="
        + commitIntervalMs
        + ", checkpointIntervalMs="
        + checkpointIntervalMs
        + ", streamThreads="
        + streamThreads
        + ", analyzer="
        + analyzer
        + ", liveView="
        + liveView
        + ", applicationServer="
        + applicationServer
        + ", clientProperties="
        + new TreeSet<>(clientProperties.keySet())
        + "]";
  }

  /** A builder holding the defaults, for a cluster at {@code bootstrapServers}. */
  public static Builder builder(String bootstrapServers) {
    return new Builder(bootstrapServers);
  }

  /** Builds a {@link ProcessorConfig}; every setting starts at its default. */
  public static final class Builder {
    private final String bootstrapServers;
    private String applicationId = "tapflow-processor";
    private Topics topics = Topics.DEFAULT;
    private boolean exactlyOnce = true;
    private int replicationFactor = -1;
    private String stateDir;
    private long commitIntervalMs = 100;
    private long checkpointIntervalMs = 10_000;
    private int streamThreads = 1;
    private AnalyzerConfig analyzer = AnalyzerConfig.DEFAULT;
    private LiveViewConfig liveView = LiveViewConfig.DEFAULT;
    private String applicationServer;
    private Map<String, String> clientProperties = Map.of();
    private SchemaRegistrySettings schemaRegistry;

    private Builder(String bootstrapServers) {
      this.bootstrapServers = bootstrapServers;
    }

    public Builder applicationId(String v) {
      applicationId = v;
      return this;
    }

    public Builder topics(Topics v) {
      topics = v;
      return this;
    }

    public Builder exactlyOnce(boolean v) {
      exactlyOnce = v;
      return this;
    }

    public Builder replicationFactor(int v) {
      replicationFactor = v;
      return this;
    }

    public Builder stateDir(String v) {
      stateDir = v;
      return this;
    }

    public Builder commitIntervalMs(long v) {
      commitIntervalMs = v;
      return this;
    }

    public Builder checkpointIntervalMs(long v) {
      checkpointIntervalMs = v;
      return this;
    }

    public Builder streamThreads(int v) {
      streamThreads = v;
      return this;
    }

    public Builder analyzer(AnalyzerConfig v) {
      analyzer = v;
      return this;
    }

    public Builder liveView(LiveViewConfig v) {
      liveView = v;
      return this;
    }

    public Builder applicationServer(String v) {
      applicationServer = v;
      return this;
    }

    public Builder clientProperties(Map<String, String> v) {
      clientProperties = Map.copyOf(v);
      return this;
    }

    public Builder schemaRegistry(SchemaRegistrySettings v) {
      schemaRegistry = v;
      return this;
    }

    public ProcessorConfig build() {
      return new ProcessorConfig(
          bootstrapServers,
          applicationId,
          topics,
          exactlyOnce,
          replicationFactor,
          stateDir,
          commitIntervalMs,
          checkpointIntervalMs,
          streamThreads,
          analyzer,
          liveView,
          applicationServer,
          clientProperties,
          schemaRegistry);
    }
  }
}

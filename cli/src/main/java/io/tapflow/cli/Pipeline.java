package io.tapflow.cli;

import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.tapflow.processor.analysis.AnalyzerConfig;
import io.tapflow.processor.metrics.ProcessorMetrics;
import io.tapflow.processor.metrics.ProcessorMetrics.ServiceNames;
import io.tapflow.processor.streams.ProcessorApp;
import io.tapflow.processor.streams.ProcessorConfig;
import io.tapflow.schemas.SchemaRegistryException;
import io.tapflow.schemas.SchemaRegistrySettings;
import io.tapflow.schemas.Topics;
import io.tapflow.schemas.ValueSerdes;
import io.tapflow.sensor.metrics.SensorMetrics;
import io.tapflow.sensor.publish.PacketPublisher;
import io.tapflow.sensor.publish.PacketRecordEncoder;
import io.tapflow.sensor.publish.PayloadMode;
import io.tapflow.sensor.publish.PublishConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.TreeSet;
import java.util.concurrent.ExecutionException;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.streams.KafkaStreams;

/**
 * Runs a sensor's publisher and the processor against one Kafka cluster inside this process, for
 * the all-in-one commands (analyze, demo) and the end-to-end tests.
 */
public final class Pipeline implements AutoCloseable {

  /**
   * Where and how the pipeline runs.
   *
   * @param bootstrapServers the cluster
   * @param clientProperties further Kafka client settings (TLS, SASL, ...); {@link #toString()}
   *     names them without their values, which may be secrets
   * @param topics topic names
   * @param partitions partitions of the topics created for the run
   * @param replicationFactor of created and internal topics; -1 for the broker's default
   * @param applicationId the processor's Kafka Streams application id
   * @param exactlyOnce the processor's processing guarantee
   * @param sensorId the sensor id on the packet records
   * @param interfaceName the interface (or file) name on the packet records
   * @param schemaRegistry the registry every value is written through (its wire format), or null
   *     for single-object encoding
   * @param payload what of each segment's payload the sensor side publishes ({@link PayloadMode})
   * @param analyzer the processor's analysis settings (redacted fields among them)
   */
  public record Settings(
      String bootstrapServers,
      Map<String, String> clientProperties,
      Topics topics,
      int partitions,
      int replicationFactor,
      String applicationId,
      boolean exactlyOnce,
      String sensorId,
      String interfaceName,
      SchemaRegistrySettings schemaRegistry,
      PayloadMode payload,
      AnalyzerConfig analyzer) {

    /** Settings that publish every payload byte, with the default analysis. */
    public Settings(
        String bootstrapServers,
        Map<String, String> clientProperties,
        Topics topics,
        int partitions,
        int replicationFactor,
        String applicationId,
        boolean exactlyOnce,
        String sensorId,
        String interfaceName,
        SchemaRegistrySettings schemaRegistry) {
      this(
          bootstrapServers,
          clientProperties,
          topics,
          partitions,
          replicationFactor,
          applicationId,
          exactlyOnce,
          sensorId,
          interfaceName,
          schemaRegistry,
          PayloadMode.FULL,
          AnalyzerConfig.DEFAULT);
    }

    /** Settings that write single-object encoding. */
    public Settings(
        String bootstrapServers,
        Map<String, String> clientProperties,
        Topics topics,
        int partitions,
        int replicationFactor,
        String applicationId,
        boolean exactlyOnce,
        String sensorId,
        String interfaceName) {
      this(
          bootstrapServers,
          clientProperties,
          topics,
          partitions,
          replicationFactor,
          applicationId,
          exactlyOnce,
          sensorId,
          interfaceName,
          (SchemaRegistrySettings) null);
    }

    /** These settings with the processor's analysis set to {@code config}. */
    public Settings withAnalyzer(AnalyzerConfig config) {
      return new Settings(
          bootstrapServers,
          clientProperties,
          topics,
          partitions,
          replicationFactor,
          applicationId,
          exactlyOnce,
          sensorId,
          interfaceName,
          schemaRegistry,
          payload,
          config);
    }

    @Override
    public String toString() {
      return "Settings[bootstrapServers="
          + bootstrapServers
          + ", clientProperties="
          + new TreeSet<>(clientProperties.keySet())
          + ", topics="
          + topics
          + ", partitions="
          + partitions
          + ", replicationFactor="
          + replicationFactor
          + ", applicationId="
          + applicationId
          + ", exactlyOnce="
          + exactlyOnce
          + ", sensorId="
          + sensorId
          + ", interfaceName="
          + interfaceName
          + ", schemaRegistry="
          + (schemaRegistry == null ? null : schemaRegistry.url())
          + ", payload="
          + payload
          + ", analyzer="
          + analyzer
          + "]";
    }

    /** These settings with the sensor side publishing payloads as {@code payload} says. */
    public Settings withPayload(PayloadMode payload) {
      return new Settings(
          bootstrapServers,
          clientProperties,
          topics,
          partitions,
          replicationFactor,
          applicationId,
          exactlyOnce,
          sensorId,
          interfaceName,
          schemaRegistry,
          payload,
          analyzer);
    }
  }

  private final Settings settings;
  private final ValueSerdes values;
  private final Properties client;
  private final Admin admin;
  private final ProcessorMetrics processorMetrics;
  private final SensorMetrics sensorMetrics;
  private final PacketPublisher publisher;
  private ProcessorApp processor;
  private Path stateDir;

  private Pipeline(
      Settings settings,
      PrometheusRegistry sensorRegistry,
      PrometheusRegistry processorRegistry,
      ServiceNames services) {
    this.settings = settings;
    this.values = ValueSerdes.of(Optional.ofNullable(settings.schemaRegistry()));
    int packetsSchemaId = values.packetRecord().prepareTopic(settings.topics().packets());
    this.client = new Properties();
    client.put("bootstrap.servers", settings.bootstrapServers());
    client.putAll(settings.clientProperties());
    this.admin = Admin.create(client);
    this.processorMetrics = new ProcessorMetrics(processorRegistry, services);
    this.sensorMetrics = new SensorMetrics(sensorRegistry);
    this.publisher =
        new PacketPublisher(
            PublishConfig.file(settings.bootstrapServers(), settings.clientProperties())
                .withPayload(settings.payload()),
            settings.sensorId(),
            settings.interfaceName(),
            settings.topics().packets(),
            PacketRecordEncoder.header(packetsSchemaId),
            sensorMetrics);
  }

  /**
   * Creates the topics that do not exist yet (retention off: captures carry old timestamps) and the
   * publisher; the processor is started by {@link #startProcessor}.
   *
   * @throws SchemaRegistryException when a registry is configured and cannot be reached or refuses
   *     the packets' schema
   */
  public static Pipeline create(Settings settings, PrometheusRegistry registry)
      throws InterruptedException, ExecutionException {
    return create(settings, registry, registry, ServiceNames.BY_PORT);
  }

  /**
   * Like {@link #create(Settings, PrometheusRegistry)}, with the sensor's and the processor's
   * metrics in registries of their own (as two processes would serve them) and services named by
   * {@code services}.
   */
  public static Pipeline create(
      Settings settings,
      PrometheusRegistry sensorRegistry,
      PrometheusRegistry processorRegistry,
      ServiceNames services)
      throws InterruptedException, ExecutionException {
    Pipeline p = new Pipeline(settings, sensorRegistry, processorRegistry, services);
    try {
      TopicAdmin.ensure(
          p.admin,
          settings.topics(),
          settings.partitions(),
          (short) settings.replicationFactor(),
          Map.of("retention.ms", "-1"));
      p.publisher.awaitPartitionsWritable();
    } catch (InterruptedException | ExecutionException | RuntimeException e) {
      p.close();
      throw e;
    }
    return p;
  }

  /** Starts a processor instance with a new, empty local state directory. */
  public void startProcessor() {
    try {
      stateDir = Files.createTempDirectory("tapflow-state-");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    ProcessorConfig config =
        ProcessorConfig.builder(settings.bootstrapServers())
            .applicationId(settings.applicationId())
            .topics(settings.topics())
            .exactlyOnce(settings.exactlyOnce())
            .replicationFactor(settings.replicationFactor())
            .stateDir(stateDir.toString())
            .clientProperties(settings.clientProperties())
            .schemaRegistry(settings.schemaRegistry())
            .analyzer(settings.analyzer())
            .build();
    processor = new ProcessorApp(config, processorMetrics);
    processor.start();
  }

  /** Stops the processor instance and deletes its local state (the changelog keeps it). */
  public void stopProcessor() {
    if (processor != null) {
      processor.close();
      processor = null;
      deleteRecursively(stateDir);
    }
  }

  public SensorMetrics sensorMetrics() {
    return sensorMetrics;
  }

  public PacketPublisher publisher() {
    return publisher;
  }

  public ProcessorApp processor() {
    return processor;
  }

  /** The value Serdes of this pipeline: its writers' format; they read either. */
  public ValueSerdes values() {
    return values;
  }

  /** The client settings of this pipeline's cluster. */
  public Properties clientProperties() {
    return client;
  }

  /** Sends end-of-capture to every partition and waits until the broker has everything. */
  public void endOfCapture() {
    publisher.endOfCapture();
    publisher.flush();
  }

  /**
   * Waits until the running processor has committed its position at the current end of every
   * packets partition.
   */
  public void awaitProcessed(Duration timeout) throws InterruptedException, ExecutionException {
    awaitProcessed(timeout, List.of(processor.streams()));
  }

  /**
   * Waits until the instances {@code processors} of this pipeline's application (started outside
   * it) have committed their position at the current end of every packets partition.
   */
  public void awaitProcessed(Duration timeout, List<KafkaStreams> processors)
      throws InterruptedException, ExecutionException {
    String topic = settings.topics().packets();
    List<TopicPartition> partitions =
        admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic).partitions().stream()
            .map(p -> new TopicPartition(topic, p.partition()))
            .collect(Collectors.toList());
    ListOffsetsResult latest =
        admin.listOffsets(
            partitions.stream().collect(Collectors.toMap(tp -> tp, tp -> OffsetSpec.latest())));
    Map<TopicPartition, Long> end = new HashMap<>();
    for (TopicPartition tp : partitions) {
      end.put(tp, latest.partitionResult(tp).get().offset());
    }
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      for (KafkaStreams streams : processors) {
        KafkaStreams.State state = streams.state();
        if (state == KafkaStreams.State.ERROR || state == KafkaStreams.State.NOT_RUNNING) {
          throw new IllegalStateException("the processor stopped: " + state);
        }
      }
      Map<TopicPartition, OffsetAndMetadata> committed =
          admin
              .listConsumerGroupOffsets(settings.applicationId())
              .partitionsToOffsetAndMetadata()
              .get();
      boolean done = true;
      for (TopicPartition tp : partitions) {
        OffsetAndMetadata c = committed.get(tp);
        if (end.get(tp) > 0 && (c == null || c.offset() < end.get(tp))) {
          done = false;
        }
      }
      if (done && outputsSettled()) {
        return;
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("timed out waiting for the processor to catch up");
      }
      Thread.sleep(100);
    }
  }

  /**
   * Whether every output partition's last stable offset has reached its end: the processor's last
   * transaction is committed in the group before its markers reach the output partitions, and until
   * they do, read_committed consumers see the partitions' ends short of its records.
   */
  private boolean outputsSettled() throws InterruptedException, ExecutionException {
    Topics t = settings.topics();
    List<String> outputs = List.of(t.messages(), t.connections(), t.chat(), t.anomalies());
    Map<TopicPartition, OffsetSpec> specs = new HashMap<>();
    admin.describeTopics(outputs).allTopicNames().get().values().stream()
        .flatMap(d -> d.partitions().stream().map(p -> new TopicPartition(d.name(), p.partition())))
        .forEach(tp -> specs.put(tp, OffsetSpec.latest()));
    ListOffsetsResult stable =
        admin.listOffsets(specs, new ListOffsetsOptions(IsolationLevel.READ_COMMITTED));
    ListOffsetsResult end =
        admin.listOffsets(specs, new ListOffsetsOptions(IsolationLevel.READ_UNCOMMITTED));
    for (TopicPartition tp : specs.keySet()) {
      if (stable.partitionResult(tp).get().offset() < end.partitionResult(tp).get().offset()) {
        return false;
      }
    }
    return true;
  }

  /** Every committed record value of {@code topic}, partition after partition. */
  public <V> List<V> read(String topic, Deserializer<V> values, Duration timeout) {
    List<V> out = new ArrayList<>();
    for (ConsumerRecord<String, V> r : TopicReader.readAll(client, topic, values, timeout)) {
      out.add(r.value());
    }
    return out;
  }

  @Override
  public void close() {
    stopProcessor();
    publisher.close();
    admin.close();
  }

  private static void deleteRecursively(Path dir) {
    try (Stream<Path> paths = Files.walk(dir)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      // Temporary state that survives is not worth failing a run for.
    }
  }
}

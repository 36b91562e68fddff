package io.tapflow.cli;

import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.tapflow.schemas.PacketRecord;
import io.tapflow.schemas.Topics;
import io.tapflow.schemas.ValueSerde;
import io.tapflow.schemas.ValueSerdes;
import io.tapflow.sensor.capture.CaptureConfig;
import io.tapflow.sensor.capture.CaptureStats;
import io.tapflow.sensor.capture.PcapSource;
import io.tapflow.sensor.metrics.SensorMetrics;
import io.tapflow.sensor.publish.PacketPublisher;
import io.tapflow.sensor.publish.PacketRecordEncoder;
import io.tapflow.sensor.publish.PayloadMode;
import io.tapflow.sensor.publish.PublishConfig;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** The {@code sensor} command: capture (live or from a file) and publish to Kafka. */
@Command(
    name = "sensor",
    mixinStandardHelpOptions = true,
    description = "Captures TCP segments with libpcap and publishes them to the packets topic.")
public final class SensorCommand implements Callable<Integer> {
  private static final String LOCAL_BROKER = BrokerCommand.LOCAL_BOOTSTRAP;

  @Option(
      names = {"-i", "--interface"},
      description = "Interface to capture on (default: ${DEFAULT-VALUE}).")
  String iface = "any";

  @Option(
      names = {"-r", "--file"},
      description = "Replay a pcap/pcapng file instead of capturing live.")
  Path file;

  @Option(
      names = "--pace",
      description = "File replay pace: fast or capture (default: ${DEFAULT-VALUE}).")
  String pace = "fast";

  @Option(
      names = {"-f", "--filter"},
      description = "BPF filter, e.g. 'tcp port 8080'.")
  String filter = "tcp";

  @Option(names = "--snaplen", description = "Snapshot length (default: ${DEFAULT-VALUE}).")
  int snaplen = CaptureConfig.DEFAULT_SNAPLEN;

  @Option(
      names = "--buffer-size",
      description = "Kernel capture buffer in bytes (default: ${DEFAULT-VALUE}).")
  int bufferSize = CaptureConfig.DEFAULT_BUFFER_SIZE_BYTES;

  @Option(
      names = "--capture-timeout-ms",
      description =
          "Live only: the longest captured packets wait in the kernel's buffer before the sensor"
              + " reads them; at high rates the buffer's blocks fill sooner (default:"
              + " ${DEFAULT-VALUE}).")
  int captureTimeoutMs = CaptureConfig.DEFAULT_TIMEOUT_MILLIS;

  @Option(names = "--sensor-id", description = "Sensor id (default: the host name).")
  String sensorId;

  @Option(names = "--topic-prefix", description = "Prefix for every topic name.")
  String topicPrefix = "";

  @Option(
      names = "--partitions",
      description = "Partitions when creating the topics (default: ${DEFAULT-VALUE}).")
  int partitions = 6;

  @Option(
      names = "--metrics-address",
      description = "Where /metrics is served (default: ${DEFAULT-VALUE}).")
  String metricsAddress = "127.0.0.1:9465";

  @Option(
      names = "--heartbeat-interval-ms",
      description = "Heartbeat interval (default: ${DEFAULT-VALUE}).")
  long heartbeatMs = 1000;

  @Option(
      names = "--publish-buffer-bytes",
      description =
          "Memory for records on their way to Kafka (the producer's buffer.memory), at least 1 MiB."
              + " Live, a packet that finds it full is dropped and counted"
              + " (reason buffer_full): the capture never waits for Kafka. From a file, the"
              + " replay waits. Default: ${DEFAULT-VALUE}.")
  long publishBufferBytes = PublishConfig.DEFAULT_BUFFER_BYTES;

  @Option(
      names = "--payload",
      description =
          "What of each segment's payload leaves the host: full, cap:N (the first N bytes) or"
              + " none (headers and lengths only: the processor still counts every byte, packet"
              + " and state, and decodes nothing). Default: ${DEFAULT-VALUE}.",
      converter = PayloadModeConverter.class)
  PayloadMode payload = PublishConfig.DEFAULT_PAYLOAD;

  @Option(
      names = "--redact-field",
      paramLabel = "NAME",
      description =
          "Redacts, on this host before publishing, the value of every JSON object member named"
              + " NAME (at any depth, case-sensitive, escapes decoded) in WebSocket text messages:"
              + " in the payload bytes themselves, same length (string contents become *, numbers"
              + " 0 and spaces; true/false/null and structure stay). May be repeated. A segment"
              + " the sensor cannot be sure to redact is published without its payload, like"
              + " --payload none, and counted by reason: a connection seen without its SYN or"
              + " handshake, bytes after a gap (and the rest of that direction), retransmitted"
              + " bytes other than a repeat of the last segment, compressed (permessage-deflate)"
              + " messages, text that is not JSON, HTTP that is not a WebSocket upgrade. Applied"
              + " before --payload cap:N; with --payload none there is nothing to redact."
              + " Default: none.")
  List<String> redactFields = new ArrayList<>();

  @Spec CommandSpec spec;

  @Option(
      names = "--state-file",
      description =
          "Keep the run id and sequence numbers in this file (written every second and at a"
              + " clean stop; its directory must exist), so that a restarted sensor continues"
              + " them and the processors count the records lost in between. Default: none.")
  Path stateFile;

  @Mixin KafkaOptions kafka;

  /** What to capture, from the options. */
  CaptureConfig captureConfig() {
    CaptureConfig capture =
        file != null
            ? CaptureConfig.offline(file)
                .withReplayPace(
                    "capture".equals(pace)
                        ? CaptureConfig.ReplayPace.CAPTURE_PACE
                        : CaptureConfig.ReplayPace.AS_FAST_AS_POSSIBLE)
            : CaptureConfig.live(iface)
                .withSnaplen(snaplen)
                .withBufferSizeBytes(bufferSize)
                .withTimeoutMillis(captureTimeoutMs);
    return capture.withFilter(filter);
  }

  @Override
  public Integer call() throws Exception {
    CaptureConfig capture = captureConfig(); // a bad value fails here, before anything starts
    String bootstrap = kafka.bootstrapOr(LOCAL_BROKER);
    String id = sensorId == null ? InetAddress.getLocalHost().getHostName() : sensorId;
    Topics topics = Topics.DEFAULT.withPrefix(topicPrefix);
    Map<String, String> props = kafka.clientProperties();
    boolean live = file == null;
    for (String field : redactFields) {
      if (field.isEmpty()) {
        throw new ParameterException(spec.commandLine(), "--redact-field: a name cannot be empty");
      }
    }
    PublishConfig publish =
        (live ? PublishConfig.live(bootstrap, props) : PublishConfig.file(bootstrap, props))
            .withBufferBytes(publishBufferBytes)
            .withPayload(payload)
            .withRedactFields(redactFields)
            .withStateFile(stateFile);
    ListenerProbe.check(bootstrap, props);
    ValueSerde<PacketRecord> values = ValueSerdes.of(kafka.schemaRegistry()).packetRecord();
    int schemaId = values.prepareTopic(topics.packets());
    try (Admin admin = Admin.create(kafka.properties(LOCAL_BROKER))) {
      TopicAdmin.ensure(admin, topics, partitions, (short) -1, Map.of());
    }
    PrometheusRegistry registry = new PrometheusRegistry();
    SensorMetrics metrics = new SensorMetrics(registry);
    KafkaMetricsBridge kafkaMetrics = KafkaMetricsBridge.register(registry);
    ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
    CountDownLatch finished = new CountDownLatch(1);
    try (MetricsServer server = MetricsServer.start(registry, metricsAddress);
        PacketPublisher publisher =
            publisher(
                publish,
                id,
                live ? iface : file.getFileName().toString(),
                topics,
                schemaId,
                metrics);
        PcapSource source = PcapSource.open(capture)) {
      kafkaMetrics.add("producer", publisher::kafkaMetrics);
      publisher.awaitPartitionsWritable();
      if (live) {
        metrics.expectHeartbeats(id);
      }
      // One thread reads libpcap's counters (reading them concurrently would race in libpcap).
      timer.scheduleAtFixedRate(
          () -> {
            metrics.captureStats(id, source.stats());
            if (live) {
              try {
                publisher.heartbeat(System.currentTimeMillis() * 1_000_000L);
              } catch (RuntimeException e) {
                // Kafka unreachable: the heartbeat age grows; try again at the next tick.
              }
            }
          },
          0,
          heartbeatMs,
          TimeUnit.MILLISECONDS);
      // On SIGTERM or SIGINT: stop capturing, and let this thread settle what is buffered (at most
      // the close timeout) and print the summary before the JVM ends.
      Runtime.getRuntime()
          .addShutdownHook(
              new Thread(
                  () -> {
                    source.stop();
                    try {
                      finished.await(
                          publish.closeTimeout().toMillis() + heartbeatMs + 5000,
                          TimeUnit.MILLISECONDS);
                    } catch (InterruptedException e) {
                      Thread.currentThread().interrupt();
                    }
                  }));
      if (stateFile != null) {
        System.err.printf(
            "tapflow sensor %s: %s: %s%n", id, stateFile, publisher.start().describe());
      }
      System.err.printf(
          "tapflow sensor %s: capturing %s, publishing to %s at %s, payload %s%s, /metrics on port"
              + " %d%n",
          id,
          file != null ? file : iface,
          topics.packets(),
          bootstrap,
          payload,
          redaction(),
          server.port());
      source.run(publisher);
      if (!live) {
        publisher.endOfCapture();
        publisher.flush();
      }
      timer.shutdown();
      timer.awaitTermination(heartbeatMs + 1000, TimeUnit.MILLISECONDS);
      publisher.close();
      CaptureStats stats = source.stats();
      metrics.captureStats(id, stats);
      System.err.printf(
          "tapflow sensor %s: stopped: %s; records taken=%d delivered=%d; libpcap received=%d"
              + " kernel_dropped=%d interface_dropped=%d%n",
          id,
          publisher.accounting(),
          publisher.sent(),
          publisher.delivered(),
          stats.received(),
          stats.droppedByKernel(),
          stats.droppedByInterface());
      if (stateFile != null) {
        System.err.printf(
            "tapflow sensor %s: %s: run %s stopped cleanly, next sensorSeq %d%n",
            id, stateFile, publisher.start().runId(), publisher.nextSensorSeq());
      }
    } finally {
      timer.shutdownNow();
      finished.countDown();
    }
    return 0;
  }

  /** What the start line says of redaction: nothing without it. */
  private String redaction() {
    if (redactFields.isEmpty()) {
      return "";
    }
    if (payload.cap() == 0) {
      return " (nothing to redact: no payload is published)";
    }
    return ", redacting " + String.join(", ", new LinkedHashSet<>(redactFields));
  }

  /** The publisher; a state file it cannot use ends the command with the reason. */
  private static PacketPublisher publisher(
      PublishConfig publish,
      String id,
      String interfaceName,
      Topics topics,
      int schemaId,
      SensorMetrics metrics) {
    try {
      return new PacketPublisher(
          publish,
          id,
          interfaceName,
          topics.packets(),
          PacketRecordEncoder.header(schemaId),
          metrics);
    } catch (UncheckedIOException e) {
      throw new CommandFailure(e.getMessage());
    }
  }
}

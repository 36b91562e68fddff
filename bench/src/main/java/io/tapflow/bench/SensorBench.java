package io.tapflow.bench;

import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.tapflow.cli.TopicAdmin;
import io.tapflow.schemas.Topics;
import io.tapflow.sensor.capture.CaptureConfig;
import io.tapflow.sensor.capture.PcapSource;
import io.tapflow.sensor.metrics.SensorMetrics;
import io.tapflow.sensor.publish.PacketPublisher;
import io.tapflow.sensor.publish.PacketRecordEncoder;
import io.tapflow.sensor.publish.PublishConfig;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.admin.Admin;

/**
 * Part 4's per-packet CPU without libpcap's live path: {@code SensorBench BOOTSTRAP CAPTURE ROUNDS
 * [PARTITIONS] [key=value...]} replays a capture file ROUNDS times through one {@link
 * PacketPublisher} (the sensor's producer settings, overridden by the key=value pairs) to a broker
 * in another process, and prints per round the CPU the capture thread (read, decode, encode, send)
 * and the producer's I/O thread spent per packet, and the bytes the capture thread allocated per
 * packet. Round 1 warms the JIT up; with {@code -Dsensorbench.profile=FILE} and async-profiler
 * loaded, the rounds after it are profiled into FILE (collapsed stacks by thread).
 */
public final class SensorBench {
  private SensorBench() {}

  public static void main(String[] args) throws Exception {
    String bootstrap = args[0];
    Path capture = Path.of(args[1]);
    int rounds = Integer.parseInt(args[2]);
    int partitions = args.length > 3 ? Integer.parseInt(args[3]) : 6;
    Map<String, String> overrides = new HashMap<>();
    for (int i = 4; i < args.length; i++) {
      String[] kv = args[i].split("=", 2);
      overrides.put(kv[0], kv[1]);
    }
    Topics topics = Topics.DEFAULT.withPrefix("sensorbench-" + System.nanoTime() + ".");
    Properties admin = new Properties();
    admin.put("bootstrap.servers", bootstrap);
    try (Admin a = Admin.create(admin)) {
      TopicAdmin.ensure(a, topics, partitions, (short) 1, Map.of());
    }
    SensorMetrics metrics = new SensorMetrics(new PrometheusRegistry());
    ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    try (PacketPublisher publisher =
        new PacketPublisher(
            PublishConfig.file(bootstrap, overrides),
            "bench",
            capture.getFileName().toString(),
            topics.packets(),
            PacketRecordEncoder.singleObjectHeader(),
            metrics)) {
      publisher.awaitPartitionsWritable();
      for (int round = 1; round <= rounds; round++) {
        if (round == 2) {
          profiler(System.getProperty("sensorbench.event", "start,event=cpu,interval=1ms,threads"));
        }
        Map<String, Long> cpu0 = threadCpu(threads);
        long allocated0 = allocated(threads);
        long t0 = System.nanoTime();
        long packets;
        try (PcapSource source = PcapSource.open(CaptureConfig.offline(capture))) {
          source.run(publisher);
          packets = source.stats().received();
        }
        publisher.flush();
        double seconds = (System.nanoTime() - t0) / 1e9;
        Map<String, Long> cpu1 = threadCpu(threads);
        long allocated = allocated(threads) - allocated0;
        long capturing = delta(cpu0, cpu1, Thread.currentThread().getName());
        long sending = delta(cpu0, cpu1, "kafka-producer-network-thread");
        System.out.printf(
            "RESULT sensorbench round=%d packets=%d seconds=%.2f packets_per_s=%.0f"
                + " capture_thread_us_per_packet=%.2f producer_thread_us_per_packet=%.2f"
                + " capture_thread_bytes_allocated_per_packet=%d failed=%d%n",
            round,
            packets,
            seconds,
            packets / seconds,
            capturing / 1e3 / packets,
            sending / 1e3 / packets,
            allocated / packets,
            publisher.failed());
      }
      profiler("stop,file=" + System.getProperty("sensorbench.profile", "") + ",collapsed");
    }
  }

  /**
   * Runs an async-profiler command when {@code -Dsensorbench.profile=FILE} is set and
   * async-profiler (its {@code one.profiler} classes and the agent) is loaded; rounds after the
   * first are profiled.
   */
  private static void profiler(String command) throws Exception {
    if (System.getProperty("sensorbench.profile") == null) {
      return;
    }
    Class<?> c = Class.forName("one.profiler.AsyncProfiler");
    Object profiler = c.getMethod("getInstance").invoke(null);
    c.getMethod("execute", String.class).invoke(profiler, command);
  }

  /** Bytes this (the capture) thread allocated so far. */
  private static long allocated(ThreadMXBean threads) {
    return ((com.sun.management.ThreadMXBean) threads)
        .getThreadAllocatedBytes(Thread.currentThread().getId());
  }

  private static Map<String, Long> threadCpu(ThreadMXBean threads) {
    Map<String, Long> cpu = new HashMap<>();
    for (ThreadInfo info : threads.getThreadInfo(threads.getAllThreadIds())) {
      if (info != null) {
        cpu.merge(info.getThreadName(), threads.getThreadCpuTime(info.getThreadId()), Long::sum);
      }
    }
    return cpu;
  }

  private static long delta(Map<String, Long> before, Map<String, Long> after, String prefix) {
    long sum = 0;
    for (Map.Entry<String, Long> e : after.entrySet()) {
      if (e.getKey().startsWith(prefix)) {
        sum += e.getValue() - before.getOrDefault(e.getKey(), 0L);
      }
    }
    return sum;
  }
}

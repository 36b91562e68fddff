package io.tapflow.bench;

import io.tapflow.processor.analysis.AnalysisListener;
import io.tapflow.processor.analysis.AnalyzerConfig;
import io.tapflow.processor.analysis.ConnectionAnalyzer;
import io.tapflow.processor.analysis.ConnectionInfo;
import io.tapflow.processor.analysis.ConnectionSummary;
import io.tapflow.processor.app.AppEvent;
import io.tapflow.processor.app.JsonFieldRedactor;
import io.tapflow.processor.app.WorkermanChatDecoder;
import io.tapflow.processor.tcp.Segment;
import io.tapflow.processor.tcp.TcpConnection.Side;
import io.tapflow.processor.websocket.WsMessage;
import io.tapflow.processor.websocket.WsOpcode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * What redaction adds per text message: every text message of the plain decode capture through
 * {@link JsonFieldRedactor} ({@code content} redacted), next to the same messages through the chat
 * decoder that every text message already goes through. One operation is all the messages.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
public class RedactBenchmark {
  private static final List<String> FIELDS = List.of("content");
  private static final WorkermanChatDecoder CHAT = new WorkermanChatDecoder();

  private final List<byte[]> texts = new ArrayList<>();

  @Setup(Level.Trial)
  public void read() throws Exception {
    Path dir = Path.of(System.getProperty("bench.dir", "bench/target/captures"));
    CaptureSegments c = CaptureSegments.read(dir.resolve("decode-plain.pcap"));
    ConnectionAnalyzer[] a = new ConnectionAnalyzer[c.keys().size()];
    AnalysisListener collect = new TextCollector(texts);
    for (int i = 0; i < c.segments().size(); i++) {
      Segment s = c.segments().get(i);
      int k = c.connection()[i];
      if (a[k] == null) {
        a[k] = ConnectionAnalyzer.open(c.keys().get(k), "bench", s, AnalyzerConfig.DEFAULT);
      }
      a[k].onSegment(s, collect);
    }
    long bytes = texts.stream().mapToLong(t -> t.length).sum();
    System.out.printf("%n%d text messages, %d bytes%n", texts.size(), bytes);
  }

  @Benchmark
  public long redactEveryTextMessage() {
    long n = 0;
    for (byte[] t : texts) {
      n += JsonFieldRedactor.redact(t, FIELDS).text().length;
    }
    return n;
  }

  @Benchmark
  public long chatDecodeEveryTextMessage() {
    long n = 0;
    for (byte[] t : texts) {
      n += CHAT.decode(false, t).size();
    }
    return n;
  }

  /** Keeps the content of every text message; ignores the rest. */
  private record TextCollector(List<byte[]> texts) implements AnalysisListener {
    @Override
    public void onMessage(ConnectionInfo connection, Side sender, WsMessage m) {
      if (m.opcode() == WsOpcode.TEXT) {
        texts.add(m.content());
      }
    }

    @Override
    public void onAppEvent(ConnectionInfo connection, Side sender, long ts, AppEvent e) {}

    @Override
    public void onConnectionRecord(ConnectionSummary summary) {}

    @Override
    public void onFirstMessage(ConnectionInfo connection, long nanosSinceUpgrade) {}

    @Override
    public void onGap(ConnectionInfo connection, Side side, long length, long ts) {}

    @Override
    public void onAnomaly(ConnectionInfo connection, String code, String detail, long ts) {}

    @Override
    public void onRedacted(ConnectionInfo connection, Side sender, String field, int count) {}

    @Override
    public void onRedactionUnparsed(ConnectionInfo connection, Side sender) {}
  }
}

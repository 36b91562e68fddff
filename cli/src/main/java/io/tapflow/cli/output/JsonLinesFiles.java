package io.tapflow.cli.output;

import io.tapflow.processor.output.OutputForwarder;
import io.tapflow.schemas.Anomaly;
import io.tapflow.schemas.ChatEvent;
import io.tapflow.schemas.ConnectionRecord;
import io.tapflow.schemas.WebSocketMessage;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import org.apache.avro.specific.SpecificRecordBase;

/**
 * Writes output records as they come into messages.jsonl, connections.jsonl, chat.jsonl and
 * anomalies.jsonl, each file on a thread of its own, so formatting runs beside the analysis.
 *
 * <p>Records are handed over in batches through a bounded queue per file: a writer that falls
 * behind holds the producer up rather than letting memory grow.
 */
public final class JsonLinesFiles implements OutputForwarder.Sink, AutoCloseable {
  private static final int BATCH = 512;
  private static final int QUEUED_BATCHES = 64;
  private static final List<SpecificRecordBase> END = List.of();

  private final FileWriter messages;
  private final FileWriter connections;
  private final FileWriter chat;
  private final FileWriter anomalies;

  /** Creates the four files in {@code dir} (replacing them) and starts their writers. */
  public JsonLinesFiles(Path dir) throws IOException {
    Files.createDirectories(dir);
    messages = new FileWriter(dir.resolve("messages.jsonl"));
    connections = new FileWriter(dir.resolve("connections.jsonl"));
    chat = new FileWriter(dir.resolve("chat.jsonl"));
    anomalies = new FileWriter(dir.resolve("anomalies.jsonl"));
  }

  @Override
  public void send(String output, String key, SpecificRecordBase value, long timestampMillis) {
    FileWriter w =
        switch (output) {
          case OutputForwarder.MESSAGES -> messages;
          case OutputForwarder.CONNECTIONS -> connections;
          case OutputForwarder.CHAT -> chat;
          case OutputForwarder.ANOMALIES -> anomalies;
          default -> throw new IllegalArgumentException("unknown output " + output);
        };
    w.add(value);
  }

  /** Writes what is left, waits for the four writers and reports the first failure. */
  @Override
  public void close() throws IOException {
    IOException failure = null;
    for (FileWriter w : List.of(messages, connections, chat, anomalies)) {
      try {
        w.finish();
      } catch (IOException e) {
        if (failure == null) {
          failure = e;
        }
      }
    }
    if (failure != null) {
      throw failure;
    }
  }

  /** One file and the thread writing it. */
  private static final class FileWriter implements Runnable {
    private final Path file;
    private final BlockingQueue<List<SpecificRecordBase>> queue =
        new ArrayBlockingQueue<>(QUEUED_BATCHES);
    private final Thread thread;
    private List<SpecificRecordBase> batch = new ArrayList<>(BATCH);
    private volatile IOException failure;

    FileWriter(Path file) {
      this.file = file;
      this.thread = new Thread(this, "jsonl-" + file.getFileName());
      thread.setDaemon(true);
      thread.start();
    }

    void add(SpecificRecordBase record) {
      batch.add(record);
      if (batch.size() == BATCH) {
        hand(batch);
        batch = new ArrayList<>(BATCH);
      }
    }

    private void hand(List<SpecificRecordBase> records) {
      if (failure != null) {
        return; // the file failed; finish() reports it
      }
      try {
        queue.put(records);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while writing " + file, e);
      }
    }

    void finish() throws IOException {
      if (!batch.isEmpty()) {
        hand(batch);
        batch = new ArrayList<>();
      }
      try {
        queue.put(END); // even after a failure: the writer drains until it sees the end
        thread.join();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new InterruptedIOException("interrupted while writing " + file);
      }
      if (failure != null) {
        throw failure;
      }
    }

    @Override
    public void run() {
      try (OutputStream o = new BufferedOutputStream(Files.newOutputStream(file), 1 << 16);
          JsonLines.Output lines = new JsonLines.Output(o)) {
        for (List<SpecificRecordBase> b = queue.take(); b != END; b = queue.take()) {
          for (SpecificRecordBase r : b) {
            write(lines, r);
          }
        }
      } catch (IOException e) {
        failure = e;
        queue.clear();
      } catch (InterruptedException e) {
        failure = new InterruptedIOException("interrupted while writing " + file);
      }
      // After a failure, drain until the end so the analysis never blocks on a full queue.
      if (failure != null) {
        try {
          while (queue.take() != END) {
            // discard
          }
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
    }

    private static void write(JsonLines.Output lines, SpecificRecordBase r) throws IOException {
      if (r instanceof WebSocketMessage m) {
        JsonLines.write(lines.generator(), m);
      } else if (r instanceof ChatEvent e) {
        JsonLines.write(lines.generator(), e);
      } else if (r instanceof ConnectionRecord c) {
        JsonLines.write(lines.generator(), c);
      } else if (r instanceof Anomaly a) {
        JsonLines.write(lines.generator(), a);
      } else {
        throw new IllegalArgumentException("not an output record: " + r.getClass());
      }
      lines.endLine();
    }
  }
}

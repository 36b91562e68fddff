package io.tapflow.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The repository's sample chat server ({@code samples/chat-server.py}, python-websockets) as a
 * child process, listening before {@link #start} returns, so that a capture started afterwards does
 * not see the readiness probe.
 */
public final class ChatSampleServer implements AutoCloseable {

  /** The repository's {@code samples/} directory, from a module's working directory. */
  public static final Path SAMPLES = Path.of("..", "samples");

  private final Process process;
  private final int port;

  private ChatSampleServer(Process process, int port) {
    this.process = process;
    this.port = port;
  }

  /** Starts the server on {@code port}, pinging every second, with a fixed clock for its lines. */
  public static ChatSampleServer start(int port) throws IOException, InterruptedException {
    Process server =
        new ProcessBuilder(
                "/usr/bin/python3",
                SAMPLES.resolve("chat-server.py").toString(),
                "--port",
                String.valueOf(port),
                "--ping-interval",
                "1",
                "--time",
                "2024-01-01 10:00:00")
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.DISCARD)
            .start();
    for (int i = 0; i < 100; i++) {
      try (Socket s = new Socket("127.0.0.1", port)) {
        s.shutdownOutput();
        return new ChatSampleServer(server, port);
      } catch (IOException e) {
        Thread.sleep(100);
      }
    }
    server.destroy();
    throw new IllegalStateException("chat-server.py did not listen on " + port);
  }

  /**
   * Runs the sample conversation ({@code samples/chat-client.py}, python-websockets) against this
   * server from client ports {@code port + 1} and {@code port + 2}, pinging every second, with
   * {@code options} added (e.g. {@code --compression deflate}); fails the test unless it ends well.
   */
  public void converse(String... options) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>();
    command.addAll(
        List.of(
            "/usr/bin/python3",
            SAMPLES.resolve("chat-client.py").toString(),
            "--port",
            String.valueOf(port),
            "--first-client-port",
            String.valueOf(port + 1),
            "--ping-interval",
            "1"));
    command.addAll(List.of(options));
    Process chat = new ProcessBuilder(command).redirectErrorStream(true).start();
    String output = new String(chat.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertEquals(0, chat.waitFor(), "chat-client.py failed: " + output);
  }

  @Override
  public void close() throws InterruptedException {
    process.destroy();
    process.waitFor(5, TimeUnit.SECONDS);
  }
}

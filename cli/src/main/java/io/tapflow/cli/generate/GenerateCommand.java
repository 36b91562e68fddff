package io.tapflow.cli.generate;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * The {@code generate} command: writes a synthetic workerman-chat capture with {@link
 * ChatTrafficGenerator} and prints its summary as one line of key=value.
 */
@Command(
    name = "generate",
    mixinStandardHelpOptions = true,
    description =
        "Writes a synthetic, deterministic chat capture (pcap) of concurrent WebSocket"
            + " conversations.")
public final class GenerateCommand implements Callable<Integer> {
  private static final ChatTrafficGenerator.Spec DEFAULTS =
      ChatTrafficGenerator.Spec.of(1, 1, false, 1);

  @picocli.CommandLine.Spec CommandSpec command;

  @Parameters(index = "0", description = "The pcap file to write.")
  Path file;

  @Option(names = "--connections", required = true, description = "Concurrent connections.")
  int connections;

  @Option(
      names = "--exchanges",
      required = true,
      description = "Say or ping exchanges per connection after the login.")
  int exchanges;

  @Option(names = "--deflate", description = "Negotiate permessage-deflate and compress messages.")
  boolean deflate;

  @Option(names = "--seed", description = "Random seed (default: ${DEFAULT-VALUE}).")
  long seed = DEFAULTS.seed();

  @Option(names = "--port", description = "The chat server's TCP port (default: ${DEFAULT-VALUE}).")
  int port = DEFAULTS.serverPort();

  @Option(
      names = "--think-micros",
      description =
          "Mean time between a connection's exchanges, in microseconds (default: ${DEFAULT-VALUE}).")
  long thinkMicros = DEFAULTS.meanThinkMicros();

  @Override
  public Integer call() throws IOException {
    if (connections < 0 || exchanges < 0 || thinkMicros < 0 || port < 1 || port > 65_535) {
      command
          .commandLine()
          .getErr()
          .println(
              "tapflow generate: --connections, --exchanges and --think-micros must not be negative,"
                  + " --port must be 1-65535");
      return 2;
    }
    ChatTrafficGenerator.Spec spec =
        ChatTrafficGenerator.Spec.of(connections, exchanges, deflate, seed)
            .withPort(port)
            .withThink(thinkMicros);
    Path parent = file.toAbsolutePath().getParent();
    if (parent != null) {
      Files.createDirectories(parent);
    }
    ChatTrafficGenerator.Summary s;
    try (PcapWriter w = new PcapWriter(file)) {
      s = ChatTrafficGenerator.generate(spec, w);
    }
    command.commandLine().getOut().println(describe(file, spec, s));
    return 0;
  }

  /** One line of key=value naming the file, the spec and what was written. */
  public static String describe(
      Path file, ChatTrafficGenerator.Spec spec, ChatTrafficGenerator.Summary s)
      throws IOException {
    return String.format(
        "file=%s connections=%d exchanges=%d compression=%s packets=%d frame_bytes=%d"
            + " file_bytes=%d ws_frames=%d text_messages=%d payload_bytes=%d",
        file,
        spec.connections(),
        spec.exchangesPerConnection(),
        spec.compression() ? "deflate" : "plain",
        s.packets(),
        s.frameBytes(),
        Files.size(file),
        s.webSocketFrames(),
        s.textMessages(),
        s.payloadBytes());
  }
}

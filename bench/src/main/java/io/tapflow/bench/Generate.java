package io.tapflow.bench;

import io.tapflow.bench.gen.ChatTrafficGenerator;
import io.tapflow.bench.gen.PcapWriter;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Writes a generated chat capture: {@code Generate FILE CONNECTIONS EXCHANGES plain|deflate [SEED]
 * [PORT] [THINK_MICROS]}; prints its summary as one line of key=value.
 */
public final class Generate {
  private Generate() {}

  public static void main(String[] args) throws Exception {
    Path file = Path.of(args[0]);
    ChatTrafficGenerator.Spec spec =
        ChatTrafficGenerator.Spec.of(
            Integer.parseInt(args[1]),
            Integer.parseInt(args[2]),
            args[3].equals("deflate"),
            args.length > 4 ? Long.parseLong(args[4]) : 1);
    if (args.length > 5) {
      spec = spec.withPort(Integer.parseInt(args[5]));
    }
    if (args.length > 6) {
      spec = spec.withThink(Long.parseLong(args[6]));
    }
    if (file.getParent() != null) {
      Files.createDirectories(file.getParent());
    }
    ChatTrafficGenerator.Summary s;
    try (PcapWriter w = new PcapWriter(file)) {
      s = ChatTrafficGenerator.generate(spec, w);
    }
    System.out.println(describe(file, spec, s));
  }

  static String describe(Path file, ChatTrafficGenerator.Spec spec, ChatTrafficGenerator.Summary s)
      throws Exception {
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

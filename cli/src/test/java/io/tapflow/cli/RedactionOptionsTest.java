package io.tapflow.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tapflow.processor.analysis.AnalyzerConfig;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** The {@code --redact-field} option of processor, analyze and demo. */
class RedactionOptionsTest {

  @Test
  void theProcessorRedactsEveryFieldGivenOnceEachInOrder() {
    ProcessorCommand c = new ProcessorCommand();
    new CommandLine(c)
        .parseArgs(
            "--redact-field", "content", "--redact-field", "nick", "--redact-field", "content");
    assertEquals(List.of("content", "nick"), c.analyzerConfig().redactFields());
    // The other analysis options still apply alongside.
    new CommandLine(c = new ProcessorCommand())
        .parseArgs("--redact-field", "msg", "--max-connections", "7");
    assertEquals(List.of("msg"), c.analyzerConfig().redactFields());
    assertEquals(7, c.analyzerConfig().maxConnections());
  }

  @Test
  void withoutTheOptionNothingIsRedacted() {
    ProcessorCommand c = new ProcessorCommand();
    new CommandLine(c).parseArgs();
    assertEquals(List.of(), c.analyzerConfig().redactFields());
    assertEquals(AnalyzerConfig.DEFAULT, c.analyzerConfig());
  }

  @Test
  void anEmptyNameIsAUsageErrorOfEveryCommandThatTakesIt() {
    for (List<String> args :
        List.of(
            List.of("processor", "--redact-field", ""),
            List.of("analyze", "../samples/chat.pcap", "--direct", "--redact-field", ""),
            List.of("demo", "--redact-field", ""))) {
      StringWriter err = new StringWriter();
      CommandLine cli = Main.commandLine();
      cli.setErr(new PrintWriter(err));
      int code = cli.execute(args.toArray(String[]::new));
      assertEquals(2, code, args + ": " + err);
      assertTrue(
          err.toString().startsWith("--redact-field: a redacted field name must not be empty"),
          err.toString());
    }
  }

  @Test
  void theDemoTakesTheOption() {
    DemoCommand d = new DemoCommand();
    new CommandLine(d).parseArgs("--redact-field", "content");
    assertEquals(List.of("content"), d.redaction.applyTo(AnalyzerConfig.DEFAULT).redactFields());
  }
}

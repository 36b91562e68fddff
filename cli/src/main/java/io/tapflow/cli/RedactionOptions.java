package io.tapflow.cli;

import io.tapflow.processor.analysis.AnalyzerConfig;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** The {@code --redact-field} option of the commands that run the processor's analysis. */
public final class RedactionOptions {
  @Option(
      names = "--redact-field",
      paramLabel = "NAME",
      description =
          "Replaces the value of every JSON object member named NAME (at any depth) in text"
              + " messages with \"[redacted]\" before anything is published: messages, chat events,"
              + " live lookups. May be repeated. Text that is not JSON is published as it is and"
              + " counted in tapflow_redaction_unparsed_total. The packets topic still carries"
              + " the raw segments: see the sensor's --payload options.")
  List<String> fields = new ArrayList<>();

  @Spec(Spec.Target.MIXEE)
  CommandSpec command;

  /**
   * {@code config} with these options' fields redacted.
   *
   * @throws ParameterException (a usage error, exit code 2) when a name is empty
   */
  public AnalyzerConfig applyTo(AnalyzerConfig config) {
    try {
      return config.withRedactFields(fields);
    } catch (IllegalArgumentException e) {
      if (command == null) {
        throw e;
      }
      throw new ParameterException(command.commandLine(), "--redact-field: " + e.getMessage());
    }
  }
}

package io.tapflow.cli;

import io.tapflow.cli.analyze.AnalyzeCommand;
import io.tapflow.schemas.AvroSupport;
import io.tapflow.schemas.SchemaRegistryException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code tapflow} command line. */
@Command(
    name = "tapflow",
    mixinStandardHelpOptions = true,
    version = "tapflow 0.1.0",
    description = "See what WebSocket services say on the wire, at fleet scale.",
    subcommands = {
      AnalyzeCommand.class,
      SensorCommand.class,
      ProcessorCommand.class,
      BrokerCommand.class,
      TailCommand.class,
      DemoCommand.class
    })
public final class Main implements Runnable {
  @Override
  public void run() {
    CommandLine.usage(this, System.out);
  }

  /** Exit code when the schema registry cannot be reached or refuses a schema at start. */
  public static final int EXIT_SCHEMA_REGISTRY = 3;

  public static void main(String[] args) {
    AvroSupport.allowGeneratedPackage();
    System.exit(commandLine().execute(args));
  }

  /**
   * The command line, with a schema registry failure at start reported in one line and exit code
   * {@value #EXIT_SCHEMA_REGISTRY} rather than as a stack trace.
   */
  public static CommandLine commandLine() {
    return new CommandLine(new Main())
        .setExecutionExceptionHandler(
            (e, cmd, parsed) -> {
              if (e instanceof SchemaRegistryException) {
                cmd.getErr().println("tapflow " + cmd.getCommandName() + ": " + e.getMessage());
                return EXIT_SCHEMA_REGISTRY;
              }
              throw e;
            });
  }
}

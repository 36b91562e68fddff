package io.tapflow.cli;

import io.tapflow.cli.analyze.AnalyzeCommand;
import io.tapflow.cli.generate.GenerateCommand;
import io.tapflow.schemas.AvroSupport;
import io.tapflow.schemas.SchemaRegistryException;
import org.slf4j.LoggerFactory;
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
      DemoCommand.class,
      GenerateCommand.class
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
   * The command line; a command that fails prints one line naming the cause ({@link
   * FailureMessage}) and exits with 1, or with {@value #EXIT_SCHEMA_REGISTRY} when the schema
   * registry cannot be reached or refuses a schema at start. The stack trace goes to the log at
   * debug level.
   */
  public static CommandLine commandLine() {
    return new CommandLine(new Main())
        .setExecutionExceptionHandler(
            (e, cmd, parsed) -> {
              if (e instanceof SchemaRegistryException) {
                cmd.getErr().println("tapflow " + cmd.getCommandName() + ": " + e.getMessage());
                cmd.getErr().flush();
                return EXIT_SCHEMA_REGISTRY;
              }
              cmd.getErr().println("tapflow " + cmd.getCommandName() + ": " + FailureMessage.of(e));
              cmd.getErr().flush();
              LoggerFactory.getLogger(Main.class)
                  .debug("tapflow {} failed", cmd.getCommandName(), e);
              return 1;
            });
  }
}

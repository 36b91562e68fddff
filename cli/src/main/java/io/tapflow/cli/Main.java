package io.tapflow.cli;

import io.tapflow.cli.analyze.AnalyzeCommand;
import io.tapflow.schemas.AvroSupport;
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

  public static void main(String[] args) {
    AvroSupport.allowGeneratedPackage();
    System.exit(new CommandLine(new Main()).execute(args));
  }
}

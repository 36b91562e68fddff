package io.tapflow.cli;

import io.tapflow.cli.tail.OutputFormat;
import io.tapflow.cli.tail.TailField;
import io.tapflow.cli.tail.TailQuery;
import io.tapflow.cli.tail.TailTopic;
import io.tapflow.cli.tail.TimeArgument;
import io.tapflow.cli.tail.TopicTail;
import io.tapflow.schemas.Topics;
import io.tapflow.schemas.ValueSerdes;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.Properties;
import java.util.concurrent.Callable;
import org.apache.kafka.common.KafkaException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** The {@code tail} command: an output topic's records, selected by time and filters. */
@Command(
    name = "tail",
    mixinStandardHelpOptions = true,
    description =
        "Prints an output topic (messages, connections, chat, anomalies) as JSON lines or a"
            + " table, from the beginning or --from a capture time to the current end (or"
            + " --until), or with -f as records arrive. Filters combine (all must match). TIME is"
            + " an ISO-8601 instant (2026-11-25T01:13:15Z) or a time ago (15m, 2h, 1d).")
public final class TailCommand implements Callable<Integer> {
  @Parameters(
      index = "0",
      paramLabel = "TOPIC",
      description = "messages, connections, chat or anomalies.")
  String which;

  @Option(names = "--topic-prefix", description = "Prefix of the topic names.")
  String topicPrefix = "";

  @Option(
      names = {"-f", "--follow"},
      description = "Keep printing new records (until Ctrl-C, --until or --limit).")
  boolean follow;

  @Option(
      names = "--from",
      paramLabel = "TIME",
      description = "Only records captured at or after TIME (seeks there, not reading before).")
  String from;

  @Option(
      names = "--until",
      paramLabel = "TIME",
      description =
          "Only records captured at or before TIME; reading ends past it (with -f too,"
              + " except for connections: a connection open at TIME is recorded when it ends).")
  String until;

  @Option(
      names = "--lateness",
      paramLabel = "DURATION",
      description =
          "How much older than the records before it in its partition a record may be"
              + " (default 5m); reading a partition ends at a record stamped later than"
              + " --until plus this.")
  String lateness;

  @Option(
      names = "--connection",
      paramLabel = "ID",
      description =
          "One connection: its id (C...), its key (sensor|a|b) or its Community ID (1:...).")
  String connection;

  @Option(
      names = "--client",
      paramLabel = "IP[:PORT]",
      description = "Client endpoint (messages, connections, anomalies).")
  String client;

  @Option(
      names = "--server",
      paramLabel = "IP[:PORT]",
      description = "Server endpoint (messages, connections, anomalies).")
  String server;

  @Option(names = "--nick", paramLabel = "NAME", description = "Chat nick, exactly (chat).")
  String nick;

  @Option(names = "--room", paramLabel = "ROOM", description = "Chat room, exactly (chat).")
  String room;

  @Option(
      names = "--contains",
      paramLabel = "TEXT",
      description = "Text containing TEXT, case-sensitive (message text, chat content).")
  String contains;

  @Option(names = "--limit", paramLabel = "N", description = "Print at most N records.")
  Long limit;

  @Option(
      names = "--format",
      paramLabel = "json|table",
      description = "json (default): the JSON lines contract; table: aligned columns.")
  String format = "json";

  @Mixin KafkaOptions kafka;

  /** Where records go (stdout as UTF-8); tests set their own. */
  PrintStream out = new PrintStream(System.out, false, StandardCharsets.UTF_8);

  PrintStream err = System.err;
  Clock clock = Clock.systemUTC();

  @Override
  public Integer call() throws Exception {
    TailQuery query;
    try {
      query = query(clock.instant());
    } catch (IllegalArgumentException e) {
      err.println("tapflow tail: " + e.getMessage());
      return 2;
    }
    Properties props = kafka.properties(BrokerCommand.LOCAL_BOOTSTRAP);
    ListenerProbe.check(kafka.bootstrapOr(BrokerCommand.LOCAL_BOOTSTRAP), kafka.clientProperties());
    ValueSerdes values = ValueSerdes.of(kafka.schemaRegistry());
    TopicTail.Result result;
    try {
      result =
          TopicTail.run(
              props, Topics.DEFAULT.withPrefix(topicPrefix), query, values, out, err, clock);
    } catch (IllegalStateException e) { // no such topic
      err.println("tapflow tail: " + e.getMessage());
      return 1;
    } catch (KafkaException e) { // unreachable, or refused (authentication, authorization)
      err.println("tapflow tail: " + FailureMessage.of(e));
      return 1;
    }
    return result.undecodable() == 0 ? 0 : 1;
  }

  /** The query the options give, relative times counted back from {@code now}. */
  TailQuery query(Instant now) {
    TailQuery q = TailQuery.of(TailTopic.of(which)).withFormat(OutputFormat.of(format));
    if (lateness != null) {
      q = q.withLateness(TimeArgument.duration(lateness));
    }
    if (until != null) {
      q = q.withUntil(TimeArgument.instant(until, now));
    }
    if (from != null) {
      q = q.withFrom(TimeArgument.instant(from, now));
    }
    if (connection != null) {
      q = q.withConnection(connection);
    }
    q = with(q, TailField.CLIENT, client);
    q = with(q, TailField.SERVER, server);
    q = with(q, TailField.NICK, nick);
    q = with(q, TailField.ROOM, room);
    q = with(q, TailField.TEXT, contains);
    if (limit != null) {
      q = q.withLimit(limit);
    }
    return q.following(follow);
  }

  private static TailQuery with(TailQuery q, TailField field, String value) {
    return value == null ? q : q.with(field, value);
  }
}

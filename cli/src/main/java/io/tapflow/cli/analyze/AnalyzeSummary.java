package io.tapflow.cli.analyze;

import io.tapflow.processor.output.OutputForwarder;
import io.tapflow.schemas.Anomaly;
import io.tapflow.schemas.ChatEvent;
import io.tapflow.schemas.ConnectionRecord;
import io.tapflow.schemas.Direction;
import io.tapflow.schemas.WebSocketMessage;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.specific.SpecificRecordBase;

/**
 * Keeps what {@code analyze}'s summary shows of the output records as they pass: the final
 * connection records, counts, and the first few messages, chat lines and anomalies.
 */
final class AnalyzeSummary implements OutputForwarder.Sink {
  static final int SHOWN = 10;
  static final int CHAT_SHOWN = 20;

  final List<ConnectionRecord> finals = new ArrayList<>();
  final List<WebSocketMessage> firstMessages = new ArrayList<>();
  final List<String> firstChatLines = new ArrayList<>();
  final List<Anomaly> firstAnomalies = new ArrayList<>();
  long messages;
  long clientMessages;
  long chatEvents;
  long chatLines;
  long anomalies;

  /** The nick each connection logged in with (client login events). */
  private final Map<String, String> nicks = new HashMap<>();

  @Override
  public void send(String output, String key, SpecificRecordBase value, long timestampMillis) {
    switch (output) {
      case OutputForwarder.MESSAGES -> message((WebSocketMessage) value);
      case OutputForwarder.CONNECTIONS -> {
        ConnectionRecord c = (ConnectionRecord) value;
        if (c.getFinal$()) {
          finals.add(c);
        }
      }
      case OutputForwarder.CHAT -> chat((ChatEvent) value);
      case OutputForwarder.ANOMALIES -> {
        if (anomalies++ < SHOWN) {
          firstAnomalies.add((Anomaly) value);
        }
      }
      default -> throw new IllegalArgumentException("unknown output " + output);
    }
  }

  private void message(WebSocketMessage m) {
    if (messages++ < SHOWN) {
      firstMessages.add(m);
    }
    if (m.getDirection() == Direction.CLIENT_TO_SERVER) {
      clientMessages++;
    }
  }

  /** As {@link AnalyzeCommand#chatLines}, one event at a time. */
  private void chat(ChatEvent e) {
    chatEvents++;
    String line = chatLine(e, nicks);
    if (line != null && chatLines++ < CHAT_SHOWN) {
      firstChatLines.add(line);
    }
  }

  /**
   * The line a client's "say" event makes, with the nick its connection logged in with (a server
   * echoes each line to every client in the room, so those are not repeated); a client's login is
   * remembered in {@code nicks}; null for anything else.
   */
  static String chatLine(ChatEvent e, Map<String, String> nicks) {
    if (e.getDirection() != Direction.CLIENT_TO_SERVER) {
      return null;
    }
    if ("login".equals(e.getType()) && e.getNick() != null) {
      nicks.put(e.getConnectionId(), e.getNick());
    } else if ("say".equals(e.getType())) {
      String nick =
          e.getNick() != null ? e.getNick() : nicks.getOrDefault(e.getConnectionId(), "?");
      return nick + ": " + e.getContent();
    }
    return null;
  }
}

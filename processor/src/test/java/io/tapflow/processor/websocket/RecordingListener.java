package io.tapflow.processor.websocket;

import java.util.ArrayList;
import java.util.List;

/** Records what a decoder reports, in order. */
final class RecordingListener implements WebSocketListener {

  /** One reported anomaly. */
  record Anomaly(String code, String detail, long timestampNanos) {}

  final List<Object> events = new ArrayList<>();

  @Override
  public void onMessage(WsMessage message) {
    events.add(message);
  }

  @Override
  public void onAnomaly(String code, String detail, long timestampNanos) {
    events.add(new Anomaly(code, detail, timestampNanos));
  }

  List<WsMessage> messages() {
    return events.stream().filter(WsMessage.class::isInstance).map(WsMessage.class::cast).toList();
  }

  List<Anomaly> anomalies() {
    return events.stream().filter(Anomaly.class::isInstance).map(Anomaly.class::cast).toList();
  }

  List<String> anomalyCodes() {
    return anomalies().stream().map(Anomaly::code).toList();
  }
}

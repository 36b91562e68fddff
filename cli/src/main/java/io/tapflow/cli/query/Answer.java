package io.tapflow.cli.query;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Map;

/**
 * One HTTP answer of the query server: a status, a JSON body and any extra headers.
 *
 * @param status the HTTP status
 * @param body the JSON body
 * @param headers headers besides {@code Content-Type} (Retry-After, Allow)
 */
record Answer(int status, JsonNode body, Map<String, String> headers) {
  static final ObjectMapper JSON = new ObjectMapper();

  static Answer ok(JsonNode body) {
    return new Answer(200, body, Map.of());
  }

  /** An error: {@code {"error": message}} and the fields of {@code extra}. */
  static Answer error(int status, String message, ObjectNode extra) {
    ObjectNode o = JSON.createObjectNode();
    o.put("error", message);
    if (extra != null) {
      o.setAll(extra);
    }
    return new Answer(status, o, Map.of());
  }

  static Answer error(int status, String message) {
    return error(status, message, null);
  }

  /** 503 with Retry-After: the application is rebalancing or not running yet. */
  static Answer unavailable(String message) {
    return new Answer(
        503, error(503, message).body(), Map.of("Retry-After", Long.toString(RETRY_AFTER_SECONDS)));
  }

  /** 502: the instance {@code instance} could not be reached or gave no usable answer. */
  static Answer badGateway(String instance, String message) {
    ObjectNode extra = JSON.createObjectNode();
    extra.put("instance", instance);
    return error(502, message, extra);
  }

  /** Seconds a client is told to wait before asking again during a rebalance. */
  static final long RETRY_AFTER_SECONDS = 1;
}

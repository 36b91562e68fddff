package io.tapflow.processor.app;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.util.List;

/**
 * Decodes the messages of workerman-chat, the PHP demo chat by walkor, into application events.
 *
 * <p>Every message is one JSON object with a string {@code "type"}. A browser sends:
 *
 * <pre>
 *   {"type":"login","client_name":"mynick","room_id":"1"}
 *   {"type":"say","to_client_id":"all","to_client_name":"...","content":"Merhaba, herkes!"}
 *   {"type":"pong"}
 * </pre>
 *
 * and the server sends {@code {"type":"ping"}} heartbeats, {@code login} (with {@code client_id},
 * {@code client_name}, {@code time}, and {@code client_list} for the user who logged in), {@code
 * say} (with {@code from_client_id}, {@code from_client_name}, {@code to_client_id}, {@code
 * content}, {@code time}), {@code logout} (with {@code from_client_id}, {@code from_client_name},
 * {@code time}) and {@code error} (with {@code code}, {@code msg}).
 *
 * <p>Mapping: nick is {@code client_name} from the client; from the server {@code
 * from_client_name}, else {@code client_name} (login). Room is {@code room_id}, content is {@code
 * content} ({@code msg} for an error), fromClientId is {@code from_client_id} else {@code
 * client_id}, toClientId is {@code to_client_id}. Numbers and booleans are taken as their JSON
 * text; objects, arrays and null as absent. ping and pong are {@link AppEvent.Kind#HEARTBEAT},
 * login and logout {@code PRESENCE}, say {@code MESSAGE}, error {@code ERROR}, any other type
 * {@code OTHER}. Anything but one JSON object with a string type (non-JSON, an array, trailing
 * bytes, no type) gives no event, as the server's {@code json_decode} would.
 *
 * <p>Stateless and thread-safe.
 */
public final class WorkermanChatDecoder implements ApplicationDecoder {

  /** This decoder's {@link #protocol()}. */
  public static final String PROTOCOL = "workerman-chat";

  private static final ObjectMapper JSON =
      JsonMapper.builder().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS).build();

  @Override
  public String protocol() {
    return PROTOCOL;
  }

  @Override
  public List<AppEvent> decode(boolean fromClient, String text) {
    JsonNode message;
    try {
      message = JSON.readTree(text);
    } catch (JsonProcessingException e) {
      return List.of();
    }
    if (message == null || !message.isObject() || !message.path("type").isTextual()) {
      return List.of();
    }
    String type = message.get("type").textValue();
    String nick =
        fromClient
            ? scalar(message, "client_name")
            : firstOf(scalar(message, "from_client_name"), scalar(message, "client_name"));
    String content =
        "error".equals(type)
            ? firstOf(scalar(message, "content"), scalar(message, "msg"))
            : scalar(message, "content");
    return List.of(
        new AppEvent(
            type,
            nick,
            scalar(message, "room_id"),
            content,
            firstOf(scalar(message, "from_client_id"), scalar(message, "client_id")),
            scalar(message, "to_client_id"),
            kindOf(type)));
  }

  private static AppEvent.Kind kindOf(String type) {
    return switch (type) {
      case "ping", "pong" -> AppEvent.Kind.HEARTBEAT;
      case "login", "logout" -> AppEvent.Kind.PRESENCE;
      case "say" -> AppEvent.Kind.MESSAGE;
      case "error" -> AppEvent.Kind.ERROR;
      default -> AppEvent.Kind.OTHER;
    };
  }

  /** Returns a string, number or boolean field as text; null if absent, null or a container. */
  private static String scalar(JsonNode message, String field) {
    JsonNode value = message.get(field);
    if (value == null || !value.isValueNode() || value.isNull()) {
      return null;
    }
    return value.isTextual() ? value.textValue() : value.asText();
  }

  private static String firstOf(String first, String second) {
    return first != null ? first : second;
  }
}

package io.tapflow.processor.app;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
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
 * bytes, no type, malformed UTF-8) gives no event, as the server's {@code json_decode} would. The
 * message is read as a stream of tokens straight from its bytes: no tree, no {@code String} of the
 * whole message.
 *
 * <p>Stateless and thread-safe.
 */
public final class WorkermanChatDecoder implements ApplicationDecoder {

  /** This decoder's {@link #protocol()}. */
  public static final String PROTOCOL = "workerman-chat";

  private static final JsonFactory JSON = JsonFactory.builder().build();

  /** The fields an event is made of, in the order of {@link Fields#values}. */
  private static final String[] FIELDS = {
    "type",
    "client_name",
    "from_client_name",
    "content",
    "msg",
    "room_id",
    "from_client_id",
    "client_id",
    "to_client_id"
  };

  private static final int TYPE = 0;
  private static final int CLIENT_NAME = 1;
  private static final int FROM_CLIENT_NAME = 2;
  private static final int CONTENT = 3;
  private static final int MSG = 4;
  private static final int ROOM_ID = 5;
  private static final int FROM_CLIENT_ID = 6;
  private static final int CLIENT_ID = 7;
  private static final int TO_CLIENT_ID = 8;

  @Override
  public String protocol() {
    return PROTOCOL;
  }

  @Override
  public List<AppEvent> decode(boolean fromClient, byte[] utf8) {
    String[] f = fields(utf8);
    if (f == null) {
      return List.of();
    }
    String type = f[TYPE];
    String nick = fromClient ? f[CLIENT_NAME] : firstOf(f[FROM_CLIENT_NAME], f[CLIENT_NAME]);
    String content = "error".equals(type) ? firstOf(f[CONTENT], f[MSG]) : f[CONTENT];
    return List.of(
        new AppEvent(
            type,
            nick,
            f[ROOM_ID],
            content,
            firstOf(f[FROM_CLIENT_ID], f[CLIENT_ID]),
            f[TO_CLIENT_ID],
            kindOf(type)));
  }

  /**
   * Reads the one JSON object of a message, keeping only the fields of {@link #FIELDS} (the last
   * occurrence of a repeated name, as PHP's {@code json_decode}) and skipping the rest unread into
   * objects; null unless the bytes are exactly one well-formed JSON object in UTF-8 with a string
   * {@code "type"}.
   */
  private static String[] fields(byte[] utf8) {
    String[] values = new String[FIELDS.length];
    boolean stringType = false;
    try (JsonParser p = JSON.createParser(utf8)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        return null;
      }
      for (JsonToken t = p.nextToken(); t == JsonToken.FIELD_NAME; t = p.nextToken()) {
        int field = indexOf(p.currentName());
        JsonToken value = p.nextToken();
        if (field < 0) {
          p.skipChildren();
          continue;
        }
        values[field] = scalar(p, value);
        if (field == TYPE) {
          stringType = value == JsonToken.VALUE_STRING;
        }
      }
      if (p.nextToken() != null) {
        return null; // trailing bytes after the object
      }
    } catch (IOException e) {
      return null;
    }
    return stringType ? values : null;
  }

  private static int indexOf(String name) {
    for (int i = 0; i < FIELDS.length; i++) {
      if (FIELDS[i].equals(name)) {
        return i;
      }
    }
    return -1;
  }

  /** Returns a string, number or boolean value as its text; null for null and containers. */
  private static String scalar(JsonParser p, JsonToken value) throws IOException {
    if (value.isScalarValue() && value != JsonToken.VALUE_NULL) {
      return p.getText();
    }
    p.skipChildren();
    return null;
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

  private static String firstOf(String first, String second) {
    return first != null ? first : second;
  }
}

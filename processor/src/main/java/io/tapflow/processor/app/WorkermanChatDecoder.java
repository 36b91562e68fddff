package io.tapflow.processor.app;

import java.nio.charset.StandardCharsets;
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
 * bytes, no type, malformed UTF-8, an unpaired surrogate escape, nesting deeper than 512) gives no
 * event, as the server's {@code json_decode} would ({@link JsonMembers} says exactly what is
 * accepted). The message is read in one pass straight from its bytes: no tokens, no tree, no {@code
 * String} of the whole message.
 *
 * <p>Stateless and thread-safe.
 */
public final class WorkermanChatDecoder implements ApplicationDecoder {

  /** This decoder's {@link #protocol()}. */
  public static final String PROTOCOL = "workerman-chat";

  /** The members an event is made of; their indexes are the constants below. */
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

  /** {@link #FIELDS} as {@link JsonMembers#read} takes them (the tests read them too). */
  static final byte[][] NAMES = names(FIELDS);

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
   * Reads the one JSON object of a message, keeping only the fields of {@link #FIELDS}; null unless
   * the bytes are exactly one well-formed JSON object in UTF-8 with a string {@code "type"} ({@link
   * JsonMembers}).
   */
  private static String[] fields(byte[] utf8) {
    String[] values = new String[FIELDS.length];
    int strings = JsonMembers.read(utf8, NAMES, values);
    return strings >= 0 && (strings & 1 << TYPE) != 0 ? values : null;
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

  private static byte[][] names(String[] fields) {
    byte[][] names = new byte[fields.length][];
    for (int i = 0; i < fields.length; i++) {
      names[i] = fields[i].getBytes(StandardCharsets.US_ASCII);
    }
    return names;
  }

  private static String firstOf(String first, String second) {
    return first != null ? first : second;
  }
}

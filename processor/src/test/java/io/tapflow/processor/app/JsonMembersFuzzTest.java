package io.tapflow.processor.app;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.tapflow.processor.testing.FuzzCorpus;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * Fuzzes {@link JsonMembers} against {@link JsonMembersOracle} (Jackson with PHP's rules): any
 * bytes give the same verdict, and a well-formed object the same values, for workerman-chat's field
 * names.
 */
class JsonMembersFuzzTest {

  static final byte[][] NAMES = WorkermanChatDecoder.NAMES;

  /** Chat messages as samples/chat.pcap carries them, and a few that reach other paths. */
  static final List<String> SEEDS =
      List.of(
          "{\"type\":\"login\",\"client_name\":\"mynick\",\"room_id\":\"1\"}",
          "{\"type\":\"login\",\"client_id\":\"7f000001b8a800000001\",\"client_name\":\"mynick\","
              + "\"time\":\"2024-01-01 10:00:00\",\"client_list\":{\"7f000001b8a800000001\":\"mynick\"}}",
          "{\"type\":\"say\",\"to_client_id\":\"all\",\"to_client_name\":\"所有人\","
              + "\"content\":\"Merhaba, herkes!\"}",
          "{\"type\":\"ping\"}",
          "{\"type\":\"say\",\"from_client_id\":\"7f000001b8a800000002\",\"from_client_name\":\"ayse\","
              + "\"to_client_id\":\"all\",\"content\":\"G\\u00fcnayd\\u0131n! \\u00c7ay i\\u00e7elim"
              + " mi? \\ud83d\\ude00\",\"time\":\"2024-01-01 10:00:00\"}",
          "{\"type\":\"say\",\"to_client_id\":\"all\",\"content\":\"Günaydın! Çay içelim mi? 😀\"}",
          "{\"type\":\"error\",\"code\":101,\"msg\":\"\\u540c\\u4e00\",\"n\":-1.5e+3,\"b\":true,"
              + "\"z\":null,\"a\":[1,{\"x\":[false]}],\"\\u0074ype\":\"\\\"\\\\\\/\\b\\f\\n\\r\\t\"}",
          " {\"type\" : \"pong\" , \"room_id\" : 0 }\r\n");

  @FuzzTest(maxDuration = "30s")
  void anyBytesReadAsJacksonWithPhpsRulesReadsThem(byte[] input) {
    String[] mine = new String[NAMES.length];
    String[] theirs = new String[NAMES.length];
    int m = JsonMembers.read(input, NAMES, mine);
    int t = JsonMembersOracle.read(input, NAMES, theirs);
    String what = Arrays.toString(input);
    assertEquals(t, m, what);
    if (m >= 0) {
      assertArrayEquals(theirs, mine, what);
    }
  }

  @Test
  void committedSeedsAreTheChatMessages() throws Exception {
    Map<String, byte[]> seeds = new TreeMap<>();
    for (int i = 0; i < SEEDS.size(); i++) {
      seeds.put("chat-" + i, SEEDS.get(i).getBytes(StandardCharsets.UTF_8));
    }
    FuzzCorpus.check(getClass(), "anyBytesReadAsJacksonWithPhpsRulesReadsThem", seeds);
  }

  /** {@code seed} changed at random: bytes replaced, inserted or removed, or a section repeated. */
  static byte[] mutate(byte[] seed, Random random) {
    byte[] b = seed.clone();
    int changes = 1 + random.nextInt(3);
    for (int c = 0; c < changes && b.length > 0; c++) {
      int at = random.nextInt(b.length);
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      switch (random.nextInt(5)) {
        case 0 -> {
          b[at] = (byte) interesting(random);
          continue;
        }
        case 1 -> {
          out.write(b, 0, at);
          out.write(interesting(random));
          out.write(b, at, b.length - at);
        }
        case 2 -> {
          out.write(b, 0, at);
          out.write(b, at + 1, b.length - at - 1);
        }
        case 3 -> {
          int length = random.nextInt(Math.min(16, b.length - at)) + 1;
          out.write(b, 0, at + length);
          out.write(b, at, b.length - at);
        }
        default -> {
          int to = at + random.nextInt(b.length - at);
          out.write(b, 0, at);
          out.write(b, to, b.length - to);
        }
      }
      b = out.toByteArray();
    }
    return b;
  }

  /** A byte that JSON's grammar or UTF-8 cares about, or any byte. */
  private static int interesting(Random random) {
    String special = "{}[]\",:\\/ \t\r\n-+.eE019tfnux";
    return switch (random.nextInt(3)) {
      case 0 -> special.charAt(random.nextInt(special.length()));
      case 1 -> 0x80 + random.nextInt(0x80);
      default -> random.nextInt(256);
    };
  }
}

package io.tapflow.sensor.redact;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class JsonRedactorTest {
  private static final ObjectMapper JACKSON = new ObjectMapper();
  private final RedactedFields fields = new RedactedFields(List.of("content", "ключ"));
  private final int[] counts = new int[2];
  private final JsonRedactor json = new JsonRedactor(fields, counts);

  /** The text redacted, or null when the scanner failed or the text did not finish. */
  private String redact(String text) {
    byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
    json.reset();
    for (int i = 0; i < bytes.length; i++) {
      int out = json.next(bytes[i] & 0xFF);
      if (out == JsonRedactor.FAILED) {
        return null;
      }
      bytes[i] = (byte) out;
    }
    return json.finish() ? new String(bytes, StandardCharsets.UTF_8) : null;
  }

  @Test
  void aConfiguredMembersStringBecomesStarsAndEveryOtherByteStays() {
    assertEquals(
        "{\"type\":\"say\",\"content\":\"************\",\"room\":\"1\"}",
        redact("{\"type\":\"say\",\"content\":\"secret words\",\"room\":\"1\"}"));
    assertEquals(1, counts[0]);
    assertEquals(0, counts[1]);
  }

  @Test
  void whitespaceAroundTokensStays() {
    assertEquals(
        " { \"content\" :\t\"***\" ,\r\n \"a\" : [ 1 , 2 ] } ",
        redact(" { \"content\" :\t\"abc\" ,\r\n \"a\" : [ 1 , 2 ] } "));
  }

  @Test
  void namesAreComparedAfterTheirEscapesAreDecoded() {
    assertEquals("{\"con\\u0074ent\":\"**\"}", redact("{\"con\\u0074ent\":\"ab\"}"));
    assertEquals(
        "{\"\\u043a\\u043b\\u044e\\u0447\":\"*\"}",
        redact("{\"\\u043a\\u043b\\u044e\\u0447\":\"x\"}"));
    assertEquals("{\"ключ\":\"****\"}", redact("{\"ключ\":\"тс\"}"));
    assertEquals(1, counts[0]);
    assertEquals(2, counts[1]);
  }

  @Test
  void namesAreComparedCaseSensitivelyAndWhole() {
    String text =
        "{\"Content\":\"a\",\"contents\":\"b\",\"conten\":\"c\",\"x\":{\"cont\\u0065nts\":1}}";
    assertEquals(text, redact(text));
    assertEquals(0, counts[0]);
  }

  @Test
  void escapesQuotesBackslashesAndMultiByteUtf8BecomeOneStarPerByte() {
    String value = "a\\\"b\\\\c \\u00e7 ğü😀 \\/\\n";
    String text = "{\"content\":\"" + value + "\",\"n\":\"a\\\"\"}";
    int bytes = value.getBytes(StandardCharsets.UTF_8).length;
    assertEquals("{\"content\":\"" + "*".repeat(bytes) + "\",\"n\":\"a\\\"\"}", redact(text));
  }

  @Test
  void numbersBecomeAZeroAndSpacesOfTheSameLength() {
    assertEquals("{\"content\":0    ,\"n\":-12.5}", redact("{\"content\":-12.5,\"n\":-12.5}"));
    assertEquals("{\"content\":0       }", redact("{\"content\":1.5E+300}"));
    assertEquals("{\"content\":0}", redact("{\"content\":7}"));
    assertEquals("{\"content\":0 }", redact("{\"content\":-0}"));
  }

  @Test
  void trueFalseNullAndStructureStayInsideARedactedValue() {
    assertEquals(
        "{\"content\":[true,false,null,{},[]]}", redact("{\"content\":[true,false,null,{},[]]}"));
    assertEquals(1, counts[0]);
  }

  @Test
  void aNestedValueIsRedactedWholeWhateverTheNamesInside() {
    assertEquals(
        "{\"content\":{\"a\":\"*\",\"b\":[0,\"**\",true,{\"c\":0  ,\"content\":\"***\"}]},"
            + "\"k\":\"v\"}",
        redact(
            "{\"content\":{\"a\":\"x\",\"b\":[1,\"yy\",true,{\"c\":2.5,\"content\":\"zzz\"}]},"
                + "\"k\":\"v\"}"));
    assertEquals(1, counts[0]); // the nested member is part of the one value redacted
  }

  @Test
  void membersAtAnyDepthAndInArraysAreRedactedEachTime() {
    assertEquals(
        "[{\"content\":\"*\"},{\"x\":{\"content\":\"**\",\"ключ\":0}},\"content\"]",
        redact("[{\"content\":\"a\"},{\"x\":{\"content\":\"bb\",\"ключ\":5}},\"content\"]"));
    assertEquals(2, counts[0]);
    assertEquals(1, counts[1]);
  }

  @Test
  void aTopLevelScalarIsOneJsonValue() {
    assertEquals("\"content\"", redact("\"content\""));
    assertEquals("12", redact("12"));
    assertEquals(" ", redact(" "));
  }

  @Test
  void textThatIsNotOneJsonValueFails() {
    assertNull(redact("hello"));
    assertNull(redact("{\"content\":\"a\"} {}"));
    assertNull(redact("{\"content\":'a'}"));
    assertNull(redact("{\"content\":01}"));
    assertNull(redact("{\"content\":1.}"));
    assertNull(redact("{\"content\":tru}"));
    assertNull(redact("{\"content\":\"a\nb\"}"));
    assertNull(redact("{\"content\":\"\\x\"}"));
    assertNull(redact("{\"content\" \"a\"}"));
    assertNull(redact("{\"a\":1,}"));
    assertNull(redact("[1}"));
    assertNull(redact("{\"content\":\"cut short"));
    assertNull(redact("{\"content\":12"));
  }

  @Test
  void nestingDeeperThan64LevelsFails() {
    assertEquals("[".repeat(64) + "]".repeat(64), redact("[".repeat(64) + "]".repeat(64)));
    json.reset();
    for (int i = 0; i < 64; i++) {
      assertEquals('[', json.next('['));
    }
    assertEquals(JsonRedactor.FAILED, json.next('['));
    assertTrue(json.failed());
    assertFalse(json.finish());
  }

  @Test
  void theRedactedTextParsesWithJacksonAndEveryContentStringIsStars() throws Exception {
    String text =
        "{\"type\":\"say\",\"content\":\"Günaydın! \\\"Çay\\\" içelim mi?\",\"list\":[{\"content\":"
            + "{\"deep\":[\"x\\u00e7\",-1.25e-3]}},{\"con\\u0074ent\":\"😀\"}],\"room\":\"1\"}";
    String redacted = redact(text);
    JsonNode tree = JACKSON.readTree(redacted);
    assertEquals("say", tree.get("type").asText());
    assertEquals("1", tree.get("room").asText());
    String content = tree.get("content").asText();
    assertEquals(
        "*".repeat("Günaydın! \\\"Çay\\\" içelim mi?".getBytes(StandardCharsets.UTF_8).length),
        content);
    assertEquals("*".repeat(7), tree.at("/list/0/content/deep/0").asText());
    assertEquals(0.0, tree.at("/list/0/content/deep/1").asDouble());
    assertEquals("****", tree.at("/list/1/content").asText());
    assertEquals(3, counts[0]);
    assertEquals(
        text.getBytes(StandardCharsets.UTF_8).length,
        redacted.getBytes(StandardCharsets.UTF_8).length);
  }
}

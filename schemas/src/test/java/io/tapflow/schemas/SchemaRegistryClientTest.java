package io.tapflow.schemas;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.time.Instant;
import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.Test;

/**
 * The client against a registry that cannot be reached (a closed port). Talking to a real registry
 * is tested in the cli module against Apicurio Registry.
 */
class SchemaRegistryClientTest {
  @Test
  void anUnreachableRegistryFailsAndTheFailureIsNotRetriedWithinTheBackoff() throws IOException {
    String url = "http://127.0.0.1:" + closedPort();
    SchemaRegistryClient client =
        SchemaRegistryClient.create(
            new SchemaRegistrySettings(
                url, null, null, null, Duration.ofSeconds(10), Duration.ofHours(1)));
    SchemaRegistryException first =
        assertThrows(
            SchemaRegistryException.class,
            () -> client.register("tapflow.chat-value", ChatEvent.getClassSchema()));
    assertEquals(0, first.httpStatus());
    assertTrue(
        first
            .getMessage()
            .startsWith(
                "register the schema of io.tapflow.schemas.ChatEvent under tapflow.chat-value:"
                    + " the schema registry at "
                    + url
                    + " cannot be reached: java.net.ConnectException"),
        first.getMessage());
    SchemaRegistryException second =
        assertThrows(
            SchemaRegistryException.class,
            () -> client.register("tapflow.chat-value", ChatEvent.getClassSchema()));
    assertEquals(first.getMessage() + " (not retried within 3600000 ms)", second.getMessage());
    assertEquals(first, second.getCause());
  }

  @Test
  void aWriterWhoseRegistryCannotBeReachedThrowsASerializationException() throws IOException {
    ValueSerde<ChatEvent> serde =
        ValueSerdes.withRegistry(
                SchemaRegistryClient.create(
                    SchemaRegistrySettings.of("http://127.0.0.1:" + closedPort())))
            .chatEvent();
    ChatEvent e =
        ChatEvent.newBuilder()
            .setConnectionId("C1")
            .setTimestamp(Instant.EPOCH)
            .setDirection(Direction.CLIENT_TO_SERVER)
            .setType("say")
            .setKind(ChatEventKind.MESSAGE)
            .build();
    assertThrows(SchemaRegistryException.class, () -> serde.prepareTopic("tapflow.chat"));
    SerializationException s =
        assertThrows(SerializationException.class, () -> serde.encode("tapflow.chat", e));
    assertTrue(
        s.getMessage().startsWith("cannot write io.tapflow.schemas.ChatEvent to tapflow.chat: "),
        s.getMessage());
  }

  /** A port on the loopback that nothing listens on (bound, then released). */
  static int closedPort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }
}

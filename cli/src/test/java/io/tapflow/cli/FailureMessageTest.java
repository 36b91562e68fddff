package io.tapflow.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.tapflow.sensor.capture.CaptureException;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.junit.jupiter.api.Test;

class FailureMessageTest {
  @Test
  void anAuthenticationFailureDeepInTheChainIsNamedWithWhatToCheck() {
    assertEquals(
        "Kafka authentication failed: invalid credentials (check sasl.mechanism and the user name"
            + " and password in sasl.jaas.config)",
        FailureMessage.of(
            new ExecutionException(new SaslAuthenticationException("invalid credentials"))));
  }

  @Test
  void aTimeoutPointsAtTheAddressAndTheSecurityProtocol() {
    assertEquals(
        "no answer from Kafka in time: Timed out waiting for a node assignment. (is a broker"
            + " listening at --bootstrap-servers, and does security.protocol match that listener:"
            + " SSL or SASL_SSL for TLS, PLAINTEXT or SASL_PLAINTEXT otherwise? The wait is"
            + " default.api.timeout.ms)",
        FailureMessage.of(
            new ExecutionException(
                new TimeoutException("Timed out waiting for a node assignment."))));
  }

  @Test
  void aDeniedTopicNamesTheAclsToGrant() {
    assertEquals(
        "Kafka denied access: Not authorized to access topics: [tapflow.packets] (the principal"
            + " needs ACLs on tapflow's topics; see docs/DEPLOY.md)",
        FailureMessage.of(
            new KafkaException(
                new TopicAuthorizationException(java.util.Set.of("tapflow.packets")))));
  }

  @Test
  void aCaptureWithoutPermissionNamesTheCapability() {
    assertEquals(
        "cannot capture on eth0: socket: Operation not permitted (live capture needs the"
            + " CAP_NET_RAW capability, or root: see the sensor's systemd unit and DaemonSet in"
            + " deploy/)",
        FailureMessage.of(
            new CaptureException("cannot capture on eth0: socket: Operation not permitted")));
    assertEquals(
        "cannot capture on eth9: eth9: No such device exists",
        FailureMessage.of(
            new CaptureException("cannot capture on eth9: eth9: No such device exists")));
  }

  @Test
  void anyOtherFailureGivesItsOwnMessageAndItsRootCause() {
    assertEquals(
        "KafkaException: Failed to construct kafka consumer (IllegalArgumentException: bad)",
        FailureMessage.of(
            new KafkaException(
                "Failed to construct kafka consumer",
                new KafkaException(new IllegalArgumentException("bad")))));
    assertEquals("NullPointerException", FailureMessage.of(new NullPointerException()));
    assertEquals("as it is", FailureMessage.of(new CommandFailure("as it is")));
  }
}

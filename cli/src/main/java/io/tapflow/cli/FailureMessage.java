package io.tapflow.cli;

import io.tapflow.sensor.capture.CaptureException;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.errors.SslAuthenticationException;
import org.apache.kafka.common.errors.TimeoutException;

/**
 * Says in one line why a command failed: the cause Kafka or libpcap gave and what to check. It
 * quotes exception messages only, never a client setting's value.
 */
public final class FailureMessage {
  private FailureMessage() {}

  /** The line for {@code failure}, without the command's name. */
  public static String of(Throwable failure) {
    List<Throwable> chain = chain(failure);
    for (Throwable t : chain) {
      if (t instanceof CommandFailure) {
        return t.getMessage();
      }
      if (t instanceof SaslAuthenticationException) {
        return "Kafka authentication failed: "
            + t.getMessage()
            + " (check sasl.mechanism and the user name and password in sasl.jaas.config)";
      }
      if (t instanceof SslAuthenticationException) {
        return "TLS handshake with Kafka failed: "
            + message(chain.get(chain.size() - 1))
            + " (check ssl.truststore.*, that the broker's certificate names the host in"
            + " --bootstrap-servers, and that the listener speaks TLS)";
      }
      if (t instanceof AuthenticationException) {
        return "Kafka authentication failed: " + t.getMessage();
      }
      if (t instanceof AuthorizationException) {
        return "Kafka denied access: "
            + t.getMessage()
            + " (the principal needs ACLs on tapflow's topics; see docs/DEPLOY.md)";
      }
      if (t instanceof TimeoutException) {
        return "no answer from Kafka in time: "
            + t.getMessage()
            + " (is a broker listening at --bootstrap-servers, and does security.protocol match"
            + " that listener: SSL or SASL_SSL for TLS, PLAINTEXT or SASL_PLAINTEXT otherwise?"
            + " The wait is default.api.timeout.ms)";
      }
      if (t instanceof CaptureException) {
        String m = t.getMessage();
        return isPermissionDenied(m)
            ? m
                + " (live capture needs the CAP_NET_RAW capability, or root: see the sensor's"
                + " systemd unit and DaemonSet in deploy/)"
            : m;
      }
    }
    Throwable root = chain.get(chain.size() - 1);
    return root == failure ? message(failure) : message(failure) + " (" + message(root) + ")";
  }

  private static boolean isPermissionDenied(String m) {
    return m != null && (m.contains("permission") || m.contains("Operation not permitted"));
  }

  private static String message(Throwable t) {
    String m = t.getMessage();
    String name = t.getClass().getSimpleName();
    return m == null || m.isBlank() ? name : name + ": " + m;
  }

  private static List<Throwable> chain(Throwable failure) {
    List<Throwable> chain = new ArrayList<>();
    for (Throwable t = failure; t != null && !chain.contains(t); t = t.getCause()) {
      chain.add(t);
    }
    return chain;
  }
}

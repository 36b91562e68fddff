package io.tapflow.cli.tail;

import io.tapflow.processor.tcp.CommunityId;

/**
 * Selects the records of one connection by any of its three names: the connection id of the records
 * ({@code C1zpnp5fh0ehv9}), the Kafka record key ({@code sensor|low-endpoint|high-endpoint}) or the
 * Community ID v1 ({@code 1:...}, as Zeek, Suricata and Arkime log it).
 *
 * <p>A Community ID names the flow, not the sensor: it selects the connection as every sensor that
 * saw it reported it. It is computed from the key's two endpoints, so it works on every topic.
 */
public final class ConnectionSelector {
  private final String value;
  private final boolean communityId;
  private String lastKey;
  private boolean lastKeyMatched;

  public ConnectionSelector(String value) {
    this.value = value.strip();
    if (this.value.isEmpty()) {
      throw new IllegalArgumentException("--connection needs a connection id, key or Community ID");
    }
    this.communityId = this.value.startsWith("1:");
  }

  /** Whether the record with Kafka key {@code key} and {@code connectionId} is selected. */
  public boolean matches(String key, String connectionId) {
    if (value.equals(connectionId) || value.equals(key)) {
      return true;
    }
    if (!communityId || key == null) {
      return false;
    }
    if (!key.equals(lastKey)) { // records of one connection usually come together
      lastKey = key;
      lastKeyMatched = value.equals(communityIdOfKey(key));
    }
    return lastKeyMatched;
  }

  /**
   * The Community ID v1 (seed 0) of the connection with key {@code sensor|endpoint|endpoint}, or
   * null when the key is not one.
   */
  static String communityIdOfKey(String key) {
    int first = key.indexOf('|');
    int second = first < 0 ? -1 : key.indexOf('|', first + 1);
    if (second < 0) {
      return null;
    }
    try {
      EndpointPattern a = EndpointPattern.parseEndpoint(key.substring(first + 1, second));
      EndpointPattern b = EndpointPattern.parseEndpoint(key.substring(second + 1));
      return CommunityId.tcp(a.address(), a.port(), b.address(), b.port(), 0);
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  @Override
  public String toString() {
    return value;
  }
}

package io.tapflow.processor.analysis;

/**
 * Identifies a connection in everything the analysis reports.
 *
 * @param key the direction-independent connection key (sensor and both endpoints)
 * @param connectionId unique id of this connection (differs when endpoints are reused)
 * @param sensor the sensor that captured it
 * @param client client endpoint "ip:port" ("[addr]:port" for IPv6)
 * @param server server endpoint
 */
public record ConnectionInfo(
    String key, String connectionId, String sensor, String client, String server) {}

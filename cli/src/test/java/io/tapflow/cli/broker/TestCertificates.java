package io.tapflow.cli.broker;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Makes a throwaway certificate authority and, signed by it, a broker key pair for 127.0.0.1 and
 * localhost, with the JDK's keytool; passwords reach keytool through its environment, never its
 * command line.
 */
public final class TestCertificates {

  /**
   * What {@link #create} made.
   *
   * @param brokerKeystore PKCS12: the broker's key with its chain (broker certificate, CA)
   * @param keystorePassword the broker keystore's password (also the key's)
   * @param truststore PKCS12: the CA certificate alone, for clients
   * @param truststorePassword the truststore's password
   */
  public record Stores(
      Path brokerKeystore, String keystorePassword, Path truststore, String truststorePassword) {}

  private TestCertificates() {}

  /** Creates the CA, the broker keystore and the client truststore in {@code dir}. */
  public static Stores create(Path dir, String keystorePassword, String truststorePassword)
      throws IOException, InterruptedException {
    Path ca = dir.resolve("ca.p12");
    Path caPem = dir.resolve("ca.pem");
    Path broker = dir.resolve("broker.p12");
    Path csr = dir.resolve("broker.csr");
    Path brokerPem = dir.resolve("broker.pem");
    Path trust = dir.resolve("truststore.p12");
    String caPassword = "ca-" + Long.toHexString(System.nanoTime());
    List<String> ec = List.of("-keyalg", "EC", "-groupname", "secp256r1", "-validity", "2");

    keytool(
        dir,
        caPassword,
        "-genkeypair",
        "-keystore",
        ca,
        "-storetype",
        "PKCS12",
        "-alias",
        "ca",
        "-dname",
        "CN=tapflow test CA",
        "-ext",
        "bc:c",
        ec);
    keytool(
        dir, caPassword, "-exportcert", "-keystore", ca, "-alias", "ca", "-rfc", "-file", caPem);
    keytool(
        dir,
        keystorePassword,
        "-genkeypair",
        "-keystore",
        broker,
        "-storetype",
        "PKCS12",
        "-alias",
        "broker",
        "-dname",
        "CN=localhost",
        ec);
    keytool(
        dir, keystorePassword, "-certreq", "-keystore", broker, "-alias", "broker", "-file", csr);
    keytool(
        dir,
        caPassword,
        "-gencert",
        "-keystore",
        ca,
        "-alias",
        "ca",
        "-infile",
        csr,
        "-outfile",
        brokerPem,
        "-rfc",
        "-validity",
        "2",
        "-ext",
        "san=ip:127.0.0.1,dns:localhost",
        "-ext",
        "eku=serverAuth,clientAuth",
        "-ext",
        "ku:c=digitalSignature");
    keytool(
        dir,
        keystorePassword,
        "-importcert",
        "-keystore",
        broker,
        "-alias",
        "ca",
        "-file",
        caPem,
        "-noprompt");
    keytool(
        dir,
        keystorePassword,
        "-importcert",
        "-keystore",
        broker,
        "-alias",
        "broker",
        "-file",
        brokerPem);
    keytool(
        dir,
        truststorePassword,
        "-importcert",
        "-keystore",
        trust,
        "-storetype",
        "PKCS12",
        "-alias",
        "ca",
        "-file",
        caPem,
        "-noprompt");
    return new Stores(broker, keystorePassword, trust, truststorePassword);
  }

  /** Runs keytool with the store (and key) password in its environment. */
  private static void keytool(Path dir, String password, Object... args)
      throws IOException, InterruptedException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
    for (Object a : args) {
      if (a instanceof List<?> list) {
        list.forEach(x -> command.add(x.toString()));
      } else {
        command.add(a.toString());
      }
    }
    command.add("-storepass:env");
    command.add("TAPFLOW_STORE_PASSWORD");
    if (command.contains("-genkeypair")) {
      command.add("-keypass:env");
      command.add("TAPFLOW_STORE_PASSWORD");
    }
    ProcessBuilder pb = new ProcessBuilder(command).directory(dir.toFile());
    pb.environment().put("TAPFLOW_STORE_PASSWORD", password);
    Process p = pb.redirectErrorStream(true).start();
    String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
      p.destroyForcibly();
      throw new IllegalStateException("keytool " + args[0] + " failed: " + output);
    }
  }
}

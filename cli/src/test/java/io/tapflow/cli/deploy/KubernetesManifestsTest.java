package io.tapflow.cli.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.tapflow.cli.KafkaOptions;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * deploy/k8s parsed into fabric8's typed Kubernetes model: a field the model does not know (a typo,
 * a wrong level) fails, and so does a kind it does not know; then what the deployment relies on is
 * checked (host network and two capabilities for the sensor, a state volume for the processor,
 * ports and names Prometheus and the Services agree on).
 */
class KubernetesManifestsTest {
  private static final Path K8S = Deploy.DIR.resolve("k8s");
  private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();

  @Test
  void everyManifestParsesIntoTypedObjectsWithNoUnknownField() throws Exception {
    List<HasMetadata> all = load();
    Set<String> kinds = new TreeSet<>();
    all.forEach(o -> kinds.add(o.getKind() + "/" + o.getMetadata().getName()));
    assertEquals(
        Set.of(
            "Namespace/tapflow",
            "ConfigMap/tapflow-config",
            "DaemonSet/tapflow-sensor",
            "Service/tapflow-sensor",
            "StatefulSet/tapflow-processor",
            "Service/tapflow-processor",
            "PodDisruptionBudget/tapflow-processor"),
        kinds);
  }

  @Test
  void aMisspeltFieldIsCaught() {
    String manifest =
        "apiVersion: apps/v1\nkind: DaemonSet\nmetadata: {name: x}\n"
            + "spec:\n  template:\n    spec:\n      hostNetwrok: true\n      containers: []\n";
    List<String> unknown = new ArrayList<>();
    walk(SERIALIZATION.unmarshal(manifest), "DaemonSet/x", unknown);
    assertEquals(List.of("DaemonSet/x.spec.template.spec: [hostNetwrok]"), unknown);
  }

  @Test
  void theSensorCapturesOnTheHostNetworkWithOnlyNetRaw() throws Exception {
    DaemonSet ds = only(load(), DaemonSet.class);
    PodSpec pod = ds.getSpec().getTemplate().getSpec();
    assertEquals(Boolean.TRUE, pod.getHostNetwork());
    assertEquals("ClusterFirstWithHostNet", pod.getDnsPolicy());
    Container sensor = pod.getContainers().get(0);
    assertEquals("sensor", sensor.getArgs().get(0));
    var security = sensor.getSecurityContext();
    assertEquals(List.of("NET_RAW"), security.getCapabilities().getAdd());
    assertEquals(List.of("ALL"), security.getCapabilities().getDrop());
    assertNotEquals(Boolean.TRUE, security.getPrivileged());
    assertEquals(Boolean.FALSE, security.getAllowPrivilegeEscalation());
    assertEquals(Boolean.TRUE, security.getReadOnlyRootFilesystem());
    assertTrue(
        sensor.getArgs().contains("--metrics-address=$(HOST_IP):9465"),
        sensor.getArgs().toString());
    assertEquals(9465, port(sensor, "metrics").getContainerPort());
    assertEquals(9465, port(sensor, "metrics").getHostPort());
  }

  /**
   * The state file lies on a directory of the node (the root file system is read-only), so a
   * replaced pod on the same node continues the numbering.
   */
  @Test
  void theSensorKeepsItsNumberingOnItsNode() throws Exception {
    DaemonSet ds = only(load(), DaemonSet.class);
    PodSpec pod = ds.getSpec().getTemplate().getSpec();
    Container sensor = pod.getContainers().get(0);
    String file = argValue(sensor, "--state-file");
    assertEquals("/var/lib/tapflow-sensor/sensor.state", file);
    var mount =
        sensor.getVolumeMounts().stream()
            .filter(m -> file.startsWith(m.getMountPath() + "/"))
            .findFirst()
            .orElseThrow(() -> new AssertionError("nothing mounted for " + file));
    assertNotEquals(Boolean.TRUE, mount.getReadOnly());
    var volume =
        pod.getVolumes().stream()
            .filter(v -> v.getName().equals(mount.getName()))
            .findFirst()
            .orElseThrow();
    assertEquals("/var/lib/tapflow-sensor", volume.getHostPath().getPath());
    assertEquals("DirectoryOrCreate", volume.getHostPath().getType());
  }

  @Test
  void theProcessorKeepsItsStateOnItsOwnVolume() throws Exception {
    StatefulSet ss = only(load(), StatefulSet.class);
    Container processor = ss.getSpec().getTemplate().getSpec().getContainers().get(0);
    assertEquals("processor", processor.getArgs().get(0));
    String stateDir = argValue(processor, "--state-dir");
    assertEquals(1, ss.getSpec().getVolumeClaimTemplates().size());
    String claim = ss.getSpec().getVolumeClaimTemplates().get(0).getMetadata().getName();
    assertTrue(
        processor.getVolumeMounts().stream()
            .anyMatch(m -> m.getName().equals(claim) && m.getMountPath().equals(stateDir)),
        "no volume claim mounted at " + stateDir);
    assertEquals("0.0.0.0:9466", argValue(processor, "--metrics-address"));
    assertEquals(9466, port(processor, "metrics").getContainerPort());
    assertEquals(
        Boolean.TRUE, ss.getSpec().getTemplate().getSpec().getSecurityContext().getRunAsNonRoot());
  }

  /**
   * Every processor serves lookups on all its interfaces and advertises its own stable DNS name
   * under the StatefulSet's headless Service, on the port the container and the Service name.
   */
  @Test
  void processorsForwardLookupsToEachOtherByTheirPodsDnsNames() throws Exception {
    List<HasMetadata> all = load();
    StatefulSet ss = only(all, StatefulSet.class);
    Container processor = ss.getSpec().getTemplate().getSpec().getContainers().get(0);
    assertEquals("0.0.0.0:9469", argValue(processor, "--query-address"));
    Service service =
        all.stream()
            .filter(Service.class::isInstance)
            .map(Service.class::cast)
            .filter(s -> s.getMetadata().getName().equals(ss.getSpec().getServiceName()))
            .findFirst()
            .orElseThrow(() -> new AssertionError("no Service " + ss.getSpec().getServiceName()));
    assertEquals(
        "$(POD_NAME)."
            + service.getMetadata().getName()
            + "."
            + service.getMetadata().getNamespace()
            + ".svc.cluster.local:9469",
        argValue(processor, "--query-advertised-address"));
    assertEquals(
        "metadata.name",
        processor.getEnv().stream()
            .filter(e -> e.getName().equals("POD_NAME"))
            .findFirst()
            .orElseThrow()
            .getValueFrom()
            .getFieldRef()
            .getFieldPath());
    assertEquals(9469, port(processor, "query").getContainerPort());
    var query =
        service.getSpec().getPorts().stream()
            .filter(p -> "query".equals(p.getName()))
            .findFirst()
            .orElseThrow(() -> new AssertionError("the Service has no query port"));
    assertEquals(9469, query.getPort());
    assertEquals("query", query.getTargetPort().getStrVal());
  }

  @Test
  void servicesSelectTheirPodsAndPrometheusFindsThemByDns() throws Exception {
    List<HasMetadata> all = load();
    ConfigMap config = only(all, ConfigMap.class);
    JsonNode prometheus =
        Deploy.YAML.readTree(Deploy.DIR.resolve("prometheus/prometheus-kubernetes.yml").toFile());
    for (Service service :
        all.stream().filter(Service.class::isInstance).map(Service.class::cast).toList()) {
      String name = service.getMetadata().getName();
      PodTemplateSpec template =
          name.equals("tapflow-sensor")
              ? only(all, DaemonSet.class).getSpec().getTemplate()
              : only(all, StatefulSet.class).getSpec().getTemplate();
      assertEquals("None", service.getSpec().getClusterIP(), name + " is headless");
      assertTrue(
          template
              .getMetadata()
              .getLabels()
              .entrySet()
              .containsAll(service.getSpec().getSelector().entrySet()),
          name + " selects its pods");
      int port = service.getSpec().getPorts().get(0).getPort();
      assertEquals(
          port, port(template.getSpec().getContainers().get(0), "metrics").getContainerPort());
      String dns = name + "." + service.getMetadata().getNamespace() + ".svc.cluster.local";
      boolean scraped = false;
      for (JsonNode job : prometheus.path("scrape_configs")) {
        for (JsonNode sd : job.path("dns_sd_configs")) {
          if (sd.path("names").get(0).asText().equals(dns)) {
            assertEquals(port, sd.path("port").asInt(), dns);
            assertEquals(name, job.path("job_name").asText());
            scraped = true;
          }
        }
      }
      assertTrue(scraped, "prometheus-kubernetes.yml scrapes " + dns);
      for (EnvVar env : template.getSpec().getContainers().get(0).getEnv()) {
        if (env.getValueFrom() != null && env.getValueFrom().getConfigMapKeyRef() != null) {
          var ref = env.getValueFrom().getConfigMapKeyRef();
          assertEquals(config.getMetadata().getName(), ref.getName());
          assertTrue(config.getData().containsKey(ref.getKey()), "config has " + ref.getKey());
        }
      }
    }
  }

  @Test
  void kafkaPasswordsComeFromASecretReadableByThePodOnlyNeverFromTheConfigMap() throws Exception {
    List<HasMetadata> all = load();
    for (PodTemplateSpec template :
        List.of(
            only(all, DaemonSet.class).getSpec().getTemplate(),
            only(all, StatefulSet.class).getSpec().getTemplate())) {
      var volume =
          template.getSpec().getVolumes().stream()
              .filter(v -> v.getName().equals("kafka-secrets"))
              .findFirst()
              .orElseThrow(() -> new AssertionError("no kafka-secrets volume"));
      assertEquals("tapflow-kafka", volume.getSecret().getSecretName());
      assertEquals(Boolean.TRUE, volume.getSecret().getOptional());
      assertEquals(0440, volume.getSecret().getDefaultMode());
      var mount =
          template.getSpec().getContainers().get(0).getVolumeMounts().stream()
              .filter(m -> m.getName().equals("kafka-secrets"))
              .findFirst()
              .orElseThrow(() -> new AssertionError("kafka-secrets not mounted"));
      assertEquals("/etc/tapflow-secrets", mount.getMountPath());
      assertEquals(Boolean.TRUE, mount.getReadOnly());
    }
    // Every password-type setting in the ConfigMap's properties (its example lines included) is
    // a reference into the Secret.
    String properties = only(all, ConfigMap.class).getData().get("kafka.properties");
    List<String> secretLines =
        properties
            .lines()
            .map(l -> l.replaceFirst("^\\s*#\\s*", ""))
            .filter(l -> l.contains("="))
            .filter(l -> KafkaOptions.isSecret(l.substring(0, l.indexOf('=')).trim()))
            .toList();
    assertEquals(1, secretLines.size(), properties);
    for (String line : secretLines) {
      int quoted = line.indexOf("password=\"");
      String value =
          quoted >= 0
              ? line.substring(quoted + "password=\"".length())
              : line.substring(line.indexOf('=') + 1);
      assertTrue(value.startsWith("${file:/etc/tapflow-secrets/"), line);
    }
  }

  /** Every document of every manifest, as typed objects whose every field the model knows. */
  private static List<HasMetadata> load() throws Exception {
    List<HasMetadata> all = new ArrayList<>();
    List<String> unknown = new ArrayList<>();
    for (Path file : Deploy.files(K8S, ".yaml", ".yml")) {
      for (JsonNode doc : Deploy.yamlDocuments(file)) {
        Object o = SERIALIZATION.unmarshal(Deploy.JSON.writeValueAsString(doc));
        String where =
            file.getFileName()
                + " "
                + doc.path("kind").asText()
                + "/"
                + doc.path("metadata").path("name").asText();
        if (!(o instanceof HasMetadata typed) || o instanceof GenericKubernetesResource) {
          fail(where + ": not a kind the Kubernetes model knows (" + doc.path("apiVersion") + ")");
          return all;
        }
        assertEquals(doc.path("kind").asText(), typed.getKind(), where);
        assertFalse(typed.getMetadata().getName() == null, where + ": no name");
        walk(o, where, unknown);
        all.add(typed);
      }
    }
    assertEquals(List.of(), unknown, "fields the Kubernetes model does not know");
    return all;
  }

  /**
   * Collects, for {@code o} and every model object under it, the field names that landed in {@code
   * getAdditionalProperties()} (fields its class does not declare).
   */
  static void walk(Object o, String path, List<String> unknown) {
    if (o == null) {
      return;
    }
    if (o instanceof Collection<?> c) {
      int i = 0;
      for (Object e : c) {
        walk(e, path + "[" + i++ + "]", unknown);
      }
      return;
    }
    if (o instanceof Map<?, ?> m) {
      m.forEach((k, v) -> walk(v, path + "[" + k + "]", unknown));
      return;
    }
    if (!o.getClass().getName().startsWith("io.fabric8.kubernetes.api.model")) {
      return;
    }
    for (Method getter : o.getClass().getMethods()) {
      if (getter.getParameterCount() != 0
          || Modifier.isStatic(getter.getModifiers())
          || !getter.getName().startsWith("get")
          || getter.getName().equals("getClass")) {
        continue;
      }
      Object value;
      try {
        value = getter.invoke(o);
      } catch (ReflectiveOperationException e) {
        throw new AssertionError(path + "." + getter.getName(), e);
      }
      if (getter.getName().equals("getAdditionalProperties")) {
        if (value instanceof Map<?, ?> extra && !extra.isEmpty()) {
          unknown.add(
              path + ": " + new TreeSet<>(extra.keySet().stream().map(String::valueOf).toList()));
        }
        continue;
      }
      String field =
          Character.toLowerCase(getter.getName().charAt(3)) + getter.getName().substring(4);
      walk(value, path + "." + field, unknown);
    }
  }

  private static <T> T only(List<HasMetadata> all, Class<T> type) {
    List<T> found = all.stream().filter(type::isInstance).map(type::cast).toList();
    assertEquals(1, found.size(), type.getSimpleName());
    return found.get(0);
  }

  private static ContainerPort port(Container c, String name) {
    return c.getPorts().stream()
        .filter(p -> name.equals(p.getName()))
        .findFirst()
        .orElseThrow(() -> new AssertionError(c.getName() + " has no port " + name));
  }

  private static String argValue(Container c, String option) {
    return c.getArgs().stream()
        .filter(a -> a.startsWith(option + "="))
        .map(a -> a.substring(option.length() + 1))
        .findFirst()
        .orElseThrow(() -> new AssertionError(c.getName() + " has no " + option));
  }
}

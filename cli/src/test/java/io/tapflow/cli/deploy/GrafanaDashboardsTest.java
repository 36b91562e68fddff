package io.tapflow.cli.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * deploy/grafana's dashboards are well-formed for provisioning: unique uids and panel ids, panels
 * inside the 24-column grid with a title and a description, every query on the data source variable
 * whose default is the provisioned data source, heatmaps fed buckets as heatmap frames. Whether the
 * queries return data is {@link PrometheusScrapesPipelineTest}'s job.
 */
class GrafanaDashboardsTest {
  private static final Path GRAFANA = Deploy.DIR.resolve("grafana");

  @Test
  void dashboardsAreWellFormedAndUseTheProvisionedDataSource() throws Exception {
    JsonNode datasource =
        Deploy.YAML
            .readTree(GRAFANA.resolve("provisioning/datasources/tapflow-prometheus.yml").toFile())
            .path("datasources")
            .get(0);
    assertEquals("prometheus", datasource.path("type").asText());
    String uid = datasource.path("uid").asText();
    Set<String> uids = new HashSet<>();
    List<String> problems = new ArrayList<>();
    for (Path file : Deploy.files(GRAFANA.resolve("dashboards"), ".json")) {
      JsonNode d = Deploy.JSON.readTree(file.toFile());
      String name = file.getFileName().toString();
      assertTrue(uids.add(d.path("uid").asText()), name + ": duplicate uid");
      assertFalse(d.path("title").asText().isBlank(), name + ": title");
      JsonNode dsVariable = null;
      for (JsonNode v : d.path("templating").path("list")) {
        if (v.path("name").asText().equals("datasource")) {
          dsVariable = v;
        }
      }
      assertTrue(dsVariable != null, name + ": no datasource variable");
      assertEquals("prometheus", dsVariable.path("query").asText(), name);
      assertEquals(uid, dsVariable.path("current").path("value").asText(), name);
      Set<Integer> ids = new HashSet<>();
      for (JsonNode p : d.path("panels")) {
        String where = name + " panel " + p.path("id") + " \"" + p.path("title").asText() + "\"";
        if (!ids.add(p.path("id").asInt())) {
          problems.add(where + ": duplicate id");
        }
        JsonNode grid = p.path("gridPos");
        if (grid.path("x").asInt() + grid.path("w").asInt() > 24 || grid.path("w").asInt() < 1) {
          problems.add(where + ": outside the grid " + grid);
        }
        if (p.path("title").asText().isBlank()) {
          problems.add(where + ": no title");
        }
        if (p.path("type").asText().equals("row")) {
          continue;
        }
        if (p.path("description").asText().isBlank()) {
          problems.add(where + ": no description");
        }
        if (!p.path("datasource").path("uid").asText().equals("${datasource}")) {
          problems.add(where + ": not on the datasource variable");
        }
        if (p.path("targets").isEmpty()) {
          problems.add(where + ": no query");
        }
        for (JsonNode t : p.path("targets")) {
          if (!t.path("datasource").path("uid").asText().equals("${datasource}")) {
            problems.add(where + " " + t.path("refId") + ": not on the datasource variable");
          }
          boolean heatmap = p.path("type").asText().equals("heatmap");
          if (heatmap
              && (!t.path("format").asText().equals("heatmap")
                  || !t.path("expr").asText().contains("_bucket"))) {
            problems.add(where + ": a heatmap needs bucket series in heatmap format");
          }
        }
      }
    }
    assertEquals(List.of(), problems);
  }
}

package io.tapflow.processor.metrics;

import io.tapflow.processor.analysis.ConnectionAnalyzer;
import io.tapflow.processor.analysis.ConnectionTable;

/**
 * Records a {@link ConnectionTable}'s events in {@link ProcessorMetrics}; while its owner replays
 * input already counted, counters stay and the tracked-connection gauges follow.
 */
public final class TableEvents implements ConnectionTable.Events {
  private final ProcessorMetrics metrics;
  private boolean replaying;

  public TableEvents(ProcessorMetrics metrics) {
    this.metrics = metrics;
  }

  /** Whether the events now come from a replay of input counted before. */
  public void replaying(boolean v) {
    replaying = v;
  }

  @Override
  public void opened(ConnectionAnalyzer a) {
    if (replaying) {
      metrics.connectionRestored(a.sensor(), a.info().server(), false);
    } else {
      metrics.connectionOpened(a.sensor(), a.info().server());
    }
  }

  @Override
  public void ended(ConnectionAnalyzer a) {
    if (replaying) {
      metrics.connectionEndedUncounted(a.sensor(), a.info().server());
    } else {
      metrics.connectionEnded(a.sensor(), a.info().server(), a.connState(), a.endReason());
    }
  }

  @Override
  public void forgotten(ConnectionAnalyzer a) {
    metrics.connectionForgotten(a.sensor(), a.info().server(), a.finished());
  }

  @Override
  public void lost(String sensor, long records) {
    if (!replaying) {
      metrics.recordsLost.labelValues(sensor).inc(records);
    }
  }
}

package io.tapflow.processor.tcp;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;

/** Records what a reassembler delivers, for assertions. */
final class RecordingStream implements StreamListener {
  final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
  final List<String> events = new ArrayList<>();

  @Override
  public void onData(byte[] buf, int off, int len, long timestampNanos) {
    bytes.write(buf, off, len);
    events.add("data:" + new String(buf, off, len, java.nio.charset.StandardCharsets.ISO_8859_1));
  }

  @Override
  public void onGap(long length, long timestampNanos) {
    events.add("gap:" + length);
  }

  @Override
  public void onEnd(long timestampNanos) {
    events.add("end");
  }

  @Override
  public void onAnomaly(String code, String detail, long timestampNanos) {
    events.add("anomaly:" + code + " " + detail);
  }

  String text() {
    return bytes.toString(java.nio.charset.StandardCharsets.ISO_8859_1);
  }
}

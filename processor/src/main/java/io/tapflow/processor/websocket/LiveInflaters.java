package io.tapflow.processor.websocket;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Bounds, per thread, how many {@link MessageInflater}s keep a live {@link java.util.zip.Inflater}
 * (about 40 KiB of native memory each, so at most about 80 MiB per thread): the least recently used
 * is let go of first.
 */
final class LiveInflaters {

  /** Live inflaters kept per thread. */
  static final int CAPACITY = 2048;

  private static final ThreadLocal<Map<MessageInflater, Boolean>> RECENT =
      ThreadLocal.withInitial(
          () ->
              new LinkedHashMap<>(CAPACITY * 2, 0.75f, true) {
                @Override
                protected boolean removeEldestEntry(Map.Entry<MessageInflater, Boolean> eldest) {
                  if (size() <= CAPACITY) {
                    return false;
                  }
                  eldest.getKey().letGoOfLiveInflater();
                  return true;
                }
              });

  private LiveInflaters() {}

  /** Records that {@code inflater} just kept its live inflater. */
  static void touch(MessageInflater inflater) {
    RECENT.get().put(inflater, Boolean.TRUE);
  }

  /** How many live inflaters this thread keeps now. */
  static int size() {
    return RECENT.get().size();
  }
}

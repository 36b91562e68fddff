package io.tapflow.processor.websocket;

/** Ways to push the same bytes into a decoder. */
enum Split {
  WHOLE {
    @Override
    void feed(WebSocketDecoder decoder, byte[] bytes, long timestampNanos) {
      decoder.onData(bytes, 0, bytes.length, timestampNanos);
    }
  },
  BYTE_AT_A_TIME {
    @Override
    void feed(WebSocketDecoder decoder, byte[] bytes, long timestampNanos) {
      for (int i = 0; i < bytes.length; i++) {
        decoder.onData(bytes, i, 1, timestampNanos);
      }
    }
  };

  abstract void feed(WebSocketDecoder decoder, byte[] bytes, long timestampNanos);
}

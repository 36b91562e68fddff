/**
 * WebSocket decoding for a passive monitor: one direction's bytes to frames to messages (RFC 6455),
 * with permessage-deflate (RFC 7692).
 *
 * <p>{@link io.tapflow.processor.websocket.WebSocketDecoder} is the entry point: push bytes, gaps
 * and the end of a direction in; {@link io.tapflow.processor.websocket.WsMessage}s and anomalies
 * (codes in {@link io.tapflow.processor.websocket.WebSocketAnomalies}) come out through a {@link
 * io.tapflow.processor.websocket.WebSocketListener}, and {@link
 * io.tapflow.processor.websocket.WebSocketCounters} count what was read. Inside, one class per
 * transformation:
 *
 * <ul>
 *   <li>{@code WebSocketFrameParser}: bytes to frame headers and unmasked payload chunks;
 *   <li>{@code FrameSearch}: where a frame starts in bytes whose framing is unknown (after a gap
 *       over a header, or joined mid-stream);
 *   <li>{@code WebSocketMessageAssembler}: frames to messages, control frames, close status;
 *   <li>{@code MessageInflater}: compressed payloads to bytes, keeping the LZ77 window;
 *   <li>{@code Utf8Validator}: the UTF-8 check of text and close reasons.
 * </ul>
 *
 * <p>{@link io.tapflow.processor.websocket.WebSocketDetector} tells from the first bytes of a
 * connection whose handshake was not captured whether it carries WebSocket frames; {@link
 * io.tapflow.processor.websocket.WebSocketDecoder#midStream} then decodes it.
 *
 * <p>Every part is a resumable state machine whose state can be written to a snapshot and read
 * back. Plain Java only: no Kafka, Avro or metrics classes here.
 */
package io.tapflow.processor.websocket;

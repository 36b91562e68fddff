package io.tapflow.processor.websocket;

import static io.tapflow.processor.websocket.Bytes.concat;
import static io.tapflow.processor.websocket.Bytes.hex;
import static io.tapflow.processor.websocket.Bytes.repeat;
import static io.tapflow.processor.websocket.Bytes.utf8;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.tapflow.processor.websocket.RecordingListener.Anomaly;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * WebSocket bytes from other analyzers' test captures, after the 101 response, checked against what
 * tshark 4.0 decodes from them ({@code /work/shared/data/peer-captures/*.tshark.msgs.tsv}).
 *
 * <p>Origins: suricata-verify {@code tests/websocket-compressed/}, {@code
 * tests/websocket-control-frag/} (GPL-2.0 test data); Zeek {@code testing/btest/Traces/websocket/}
 * (BSD-3-Clause).
 */
class WebSocketDecoderPeerCaptureTest {

  private static final long T = 42L;

  private final RecordingListener recorder = new RecordingListener();

  private static final byte[] SURICATA_COMPRESSED_SERVER =
      hex(
          "c126f2768db435304f4eb23435b54c4d4b33324c354e353649334e4a4a31b430"
              + "3231484a4c360600c1170af17777f771b5354ab1304832324a4d49324e4c4b06"
              + "00c112820a9a981a18249aa7a5259958585a980200c112820a9a9ba59898a65a"
              + "a4a6a4261a1ba40100c114820a1a1a585858981958a418a558a6a518980100c1"
              + "1382099b1a599818a65a98182727a5a61a9a0200c114820a5b9aa6249b19a625"
              + "a5181ba79a1a19250100c114820a1b18a426272725199a265b98981858a60000"
              + "c10f820a271b0325cc12cd9393d34c0000c114820a999a995a1a1a1b9a9919a5"
              + "999a181b9b0000");

  private static final byte[] SURICATA_CONTROL_FRAG_CLIENT =
      hex(
          "0194123456785f751a2f53661327567b01365e7b173c32573b1c898412345678"
              + "625d381f809c123456783c512e1d321b3558625b211d60473e1d7e587655775a"
              + "355853751739");

  private static final byte[] SURICATA_CONTROL_FRAG_SERVER = hex("8a0470696e67");

  private static final byte[] ZEEK_MESSAGE_TOO_BIG_CLIENT =
      hex("889fbd070557bef66a21d8752524d47d6077d16e683ec9272d639d3925659d65" + "7c23d8742c");

  private static final byte[] ZEEK_MESSAGE_TOO_BIG_SERVER = hex("89045a65656b880203e8");

  private static final byte[] ZEEK_TWO_BINARY_FRAGMENTS_SERVER =
      hex("89045a65656b020548656c6c6f800720746865726521880203e8");

  private static final byte[] ZEEK_WSTUNNEL_HTTP_CLIENT =
      hex(
          "8248474554202f20485454502f312e310d0a486f73743a207a65656b2e6f7267"
              + "0d0a557365722d4167656e743a206375726c2f372e38312e300d0a4163636570"
              + "743a202a2f2a0d0a0d0a880203e8");

  /**
   * zeek-oversized-close-frame.pcapng, server to client: a close frame whose 258-byte length is
   * written in the 64-bit form, status 1000 and 256 bytes of "C".
   */
  private static final byte[] ZEEK_OVERSIZED_CLOSE_SERVER =
      concat(hex("88 7f 00 00 00 00 00 00 01 02 03 e8"), repeat('C', 256));

  private WebSocketDecoder decoder(boolean sentByClient, PerMessageDeflate deflate) {
    return new WebSocketDecoder(sentByClient, WebSocketConfig.DEFAULT, deflate, recorder);
  }

  private static WsMessage message(WsOpcode opcode, byte[] content, boolean compressed) {
    return new WsMessage(
        opcode, content, content.length, false, null, null, compressed, 1, T, 0, false);
  }

  @ParameterizedTest
  @EnumSource(Split.class)
  void suricataCompressedServerTextInflatesWithTheSharedWindow(Split split) {
    PerMessageDeflate deflate =
        PerMessageDeflate.fromAcceptedExtensions("permessage-deflate; client_max_window_bits=15");

    split.feed(decoder(false, deflate), SURICATA_COMPRESSED_SERVER, T);

    assertEquals(
        List.of(
                "KEY=07cb9559eff21e3e34f3bbd18240bac3",
                "TOGGLE=2d80b22edb3afc",
                "TOGGLE=4500a7ffb48985",
                "TOGGLE=76d45e8edea30f",
                "TOGGLE=10888608d2d9fd06",
                "TOGGLE=152841e843cbee15",
                "TOGGLE=95dc61fbd33e522b",
                "TOGGLE=00eccbb15c84409d",
                "TOGGLE=c300e6a7ccf4",
                "TOGGLE=5659131662f54334")
            .stream()
            .map(text -> message(WsOpcode.TEXT, utf8(text), true))
            .toList(),
        recorder.events);
  }

  @ParameterizedTest
  @EnumSource(Split.class)
  void suricataMaskedTextInTwoFragmentsWithAPingBetween(Split split) {
    split.feed(decoder(true, null), SURICATA_CONTROL_FRAG_CLIENT, T);
    split.feed(decoder(false, null), SURICATA_CONTROL_FRAG_SERVER, T);

    assertEquals(
        List.of(
            message(WsOpcode.PING, utf8("ping"), false),
            new WsMessage(
                WsOpcode.TEXT,
                utf8("MALWARE_DOWNLOAD cmd.exe /c powershell -enc AAAA"),
                48,
                false,
                null,
                null,
                false,
                2,
                T,
                0,
                false),
            message(WsOpcode.PONG, utf8("ping"), false)),
        recorder.events);
  }

  @ParameterizedTest
  @EnumSource(Split.class)
  void zeekOversizedCloseFrameGivesCode1000AndA256ByteReason(Split split) {
    split.feed(decoder(false, null), ZEEK_OVERSIZED_CLOSE_SERVER, T);

    assertEquals(
        List.of(
            new Anomaly(
                WebSocketAnomalies.NON_MINIMAL_PAYLOAD_LENGTH,
                "opcode=close payload_length=258 length_bytes=8",
                T),
            new Anomaly(
                WebSocketAnomalies.CONTROL_FRAME_TOO_LONG, "opcode=close payload_length=258", T),
            new WsMessage(
                WsOpcode.CLOSE,
                concat(hex("03 e8"), repeat('C', 256)),
                258,
                false,
                1000,
                "C".repeat(256),
                false,
                1,
                T,
                0,
                false)),
        recorder.events);
  }

  @ParameterizedTest
  @EnumSource(Split.class)
  void zeekMessageTooBigCloseCarries1009AndItsReason(Split split) {
    split.feed(decoder(false, null), ZEEK_MESSAGE_TOO_BIG_SERVER, T);
    split.feed(decoder(true, null), ZEEK_MESSAGE_TOO_BIG_CLIENT, T);

    byte[] clientClose = concat(hex("03 f1"), utf8("over size limit (4 > 2 bytes)"));
    assertEquals(
        List.of(
            message(WsOpcode.PING, utf8("Zeek"), false),
            new WsMessage(
                WsOpcode.CLOSE, hex("03 e8"), 2, false, 1000, null, false, 1, T, 0, false),
            new WsMessage(
                WsOpcode.CLOSE,
                clientClose,
                31,
                false,
                1009,
                "over size limit (4 > 2 bytes)",
                false,
                1,
                T,
                0,
                false)),
        recorder.events);
  }

  @ParameterizedTest
  @EnumSource(Split.class)
  void zeekServerBinaryInTwoFragmentsIsHelloThere(Split split) {
    split.feed(decoder(false, null), ZEEK_TWO_BINARY_FRAGMENTS_SERVER, T);

    assertEquals(
        List.of(
            message(WsOpcode.PING, utf8("Zeek"), false),
            new WsMessage(
                WsOpcode.BINARY,
                utf8("Hello there!"),
                12,
                false,
                null,
                null,
                false,
                2,
                T,
                0,
                false),
            new WsMessage(
                WsOpcode.CLOSE, hex("03 e8"), 2, false, 1000, null, false, 1, T, 0, false)),
        recorder.events);
  }

  @ParameterizedTest
  @EnumSource(Split.class)
  void zeekWstunnelUnmaskedClientFramesAreDecodedAndFlaggedOnce(Split split) {
    split.feed(decoder(true, null), ZEEK_WSTUNNEL_HTTP_CLIENT, T);

    assertEquals(
        List.of(
            new Anomaly(
                WebSocketAnomalies.UNMASKED_CLIENT_FRAME, "opcode=binary payload_length=72", T),
            message(
                WsOpcode.BINARY,
                utf8(
                    "GET / HTTP/1.1\r\nHost: zeek.org\r\nUser-Agent: curl/7.81.0\r\n"
                        + "Accept: */*\r\n\r\n"),
                false),
            new WsMessage(
                WsOpcode.CLOSE, hex("03 e8"), 2, false, 1000, null, false, 1, T, 0, false)),
        recorder.events);
  }
}

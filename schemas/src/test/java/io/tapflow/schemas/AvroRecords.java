package io.tapflow.schemas;

import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/** Seeded random values for the coder tests: edge values more often than chance would give. */
final class AvroRecords {
  /** A chat line as samples/chat.pcap carries it, for the tests that need one record. */
  static ChatEvent chatEvent() {
    return ChatEvent.newBuilder()
        .setConnectionId("C1")
        .setTimestamp(Instant.ofEpochSecond(1, 123_456_789))
        .setDirection(Direction.CLIENT_TO_SERVER)
        .setType("say")
        .setKind(ChatEventKind.MESSAGE)
        .setContent("Merhaba, herkes!")
        .build();
  }

  static final long[] LONGS = {
    0,
    1,
    -1,
    63,
    64,
    -64,
    -65,
    127,
    128,
    8191,
    8192,
    (1L << 31) - 1,
    1L << 31,
    (1L << 32) - 1,
    1L << 32,
    1L << 62,
    -(1L << 62),
    Long.MAX_VALUE,
    Long.MIN_VALUE,
    Long.MAX_VALUE - 1,
    Long.MIN_VALUE + 1,
    1_700_000_000_123_456_789L
  };

  static final int[] INTS = {
    0,
    1,
    -1,
    63,
    64,
    -64,
    -65,
    127,
    128,
    255,
    8191,
    8192,
    65535,
    65536,
    Integer.MAX_VALUE,
    Integer.MIN_VALUE
  };

  static final String[] STRINGS = {
    "",
    "a",
    "lo",
    "C1f3a9",
    "sensör-ü-ğ-😀",
    "Merhaba, herkes! Привет 你好",
    "x".repeat(63),
    "y".repeat(64),
    "z".repeat(300),
    "\u0000nul",
    "\ud800 lone surrogate",
    "trailing high \ud83d",
    "[2001:db8::1]:443"
  };

  private final Random random;

  AvroRecords(long seed) {
    random = new Random(seed);
  }

  boolean chance(int percent) {
    return random.nextInt(100) < percent;
  }

  long nextLong() {
    return switch (random.nextInt(4)) {
      case 0 -> LONGS[random.nextInt(LONGS.length)];
      case 1 -> random.nextLong();
      case 2 -> random.nextLong() >> random.nextInt(64);
      default -> random.nextInt(1000) - 500;
    };
  }

  int nextInt() {
    return switch (random.nextInt(4)) {
      case 0 -> INTS[random.nextInt(INTS.length)];
      case 1 -> random.nextInt();
      case 2 -> random.nextInt() >> random.nextInt(32);
      default -> random.nextInt(1000) - 500;
    };
  }

  int nextInt(int bound) {
    return random.nextInt(bound);
  }

  /** Any instant whose nanoseconds since the epoch fit a long. */
  Instant nextInstant() {
    long nanos = nextLong();
    return Instant.ofEpochSecond(
        Math.floorDiv(nanos, 1_000_000_000L), Math.floorMod(nanos, 1_000_000_000L));
  }

  String nextString() {
    if (chance(40)) {
      return STRINGS[random.nextInt(STRINGS.length)];
    }
    int length = chance(90) ? random.nextInt(40) : random.nextInt(5000);
    StringBuilder s = new StringBuilder(length);
    for (int i = 0; i < length; i++) {
      s.append(
          switch (random.nextInt(6)) {
            case 0 -> (char) (0x80 + random.nextInt(0x780)); // two UTF-8 bytes
            case 1 -> (char) (0x800 + random.nextInt(0xD000)); // three, or a lone surrogate
            case 2 -> "😀";
            default -> (char) (0x20 + random.nextInt(0x5F));
          });
    }
    return s.toString();
  }

  String nextOptionalString() {
    return chance(30) ? null : nextString();
  }

  byte[] nextBytes() {
    int length =
        switch (random.nextInt(5)) {
          case 0 -> 0;
          case 1 -> random.nextInt(16);
          case 2 -> random.nextInt(200);
          case 3 -> random.nextInt(3000);
          default -> chance(5) ? 70_000 + random.nextInt(100_000) : random.nextInt(64);
        };
    byte[] b = new byte[length];
    random.nextBytes(b);
    return b;
  }

  /**
   * The bytes as a buffer: sometimes a slice of a larger array with a position and an offset, as a
   * record handed to a writer may hold.
   */
  ByteBuffer nextBuffer() {
    byte[] b = nextBytes();
    if (chance(70)) {
      return ByteBuffer.wrap(b);
    }
    int before = random.nextInt(20);
    byte[] larger = new byte[before + b.length + random.nextInt(20)];
    random.nextBytes(larger);
    System.arraycopy(b, 0, larger, before, b.length);
    ByteBuffer slice = ByteBuffer.wrap(larger, before / 2, larger.length - before / 2).slice();
    slice.position(before - before / 2).limit(before - before / 2 + b.length);
    return slice;
  }

  <E extends Enum<E>> E nextEnum(Class<E> type) {
    E[] values = type.getEnumConstants();
    return values[random.nextInt(values.length)];
  }

  PacketRecord nextPacketRecord() {
    List<Integer> vlans = new ArrayList<>();
    int count = chance(70) ? 0 : chance(80) ? 1 + random.nextInt(3) : random.nextInt(300);
    for (int i = 0; i < count; i++) {
      vlans.add(chance(50) ? random.nextInt(4096) : nextInt());
    }
    return PacketRecord.newBuilder()
        .setKind(nextEnum(PacketKind.class))
        .setSensorId(nextString())
        .setSensorSeq(nextLong())
        .setPartitionSeq(nextLong())
        .setSensorRunId(nextString())
        .setTimestamp(nextInstant())
        .setTimestampPrecision(nextEnum(TimestampPrecision.class))
        .setInterface$(nextString())
        .setLinkType(nextInt())
        .setVlanIds(vlans)
        .setIpVersion(nextInt())
        .setSrcAddr(nextBuffer())
        .setDstAddr(nextBuffer())
        .setSrcPort(nextInt())
        .setDstPort(nextInt())
        .setSeq(nextLong())
        .setAck(nextLong())
        .setFlags(nextInt())
        .setWindow(nextInt())
        .setPayload(nextBuffer())
        .setPayloadWireLength(nextInt())
        .setCapturedLength(nextInt())
        .setWireLength(nextInt())
        .build();
  }

  WebSocketMessage nextWebSocketMessage() {
    return WebSocketMessage.newBuilder()
        .setConnectionId(nextString())
        .setSensor(nextString())
        .setClient(nextString())
        .setServer(nextString())
        .setDirection(nextEnum(Direction.class))
        .setTimestamp(nextInstant())
        .setOpcode(nextEnum(Opcode.class))
        .setPayloadLength(nextLong())
        .setText(nextOptionalString())
        .setPayload(chance(40) ? null : nextBuffer())
        .setTruncated(random.nextBoolean())
        .setCloseCode(chance(50) ? null : nextInt())
        .setCloseReason(nextOptionalString())
        .setCompressed(random.nextBoolean())
        .setFragments(nextInt())
        .setMissingBytes(nextLong())
        .setResynchronized(random.nextBoolean())
        .build();
  }

  ChatEvent nextChatEvent() {
    return ChatEvent.newBuilder()
        .setConnectionId(nextString())
        .setTimestamp(nextInstant())
        .setDirection(nextEnum(Direction.class))
        .setType(nextString())
        .setKind(nextEnum(ChatEventKind.class))
        .setNick(nextOptionalString())
        .setRoom(nextOptionalString())
        .setContent(nextOptionalString())
        .setFromClientId(nextOptionalString())
        .setToClientId(nextOptionalString())
        .build();
  }
}

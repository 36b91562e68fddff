package io.tapflow.processor.tcp;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** Vectors from the Community ID spec's baseline and Zeek's community_id_v1 test. */
class CommunityIdTest {
  private static final byte[] A = {1, 2, 3, 4};
  private static final byte[] B = {5, 6, 7, 8};

  @Test
  void theSpecsTcpVectorHashesTheSameBothWays() {
    assertEquals("1:wCb3OG7yAFWelaUydu0D+125CLM=", CommunityId.tcp(A, 1122, B, 3344, 0));
    assertEquals("1:wCb3OG7yAFWelaUydu0D+125CLM=", CommunityId.tcp(B, 3344, A, 1122, 0));
  }

  @Test
  void theSeedChangesTheHash() {
    assertEquals("1:HhA1B+6CoLbiKPEs5nhNYN4XWfk=", CommunityId.tcp(A, 1122, B, 3344, 1));
  }
}

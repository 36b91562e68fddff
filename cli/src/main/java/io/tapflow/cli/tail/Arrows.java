package io.tapflow.cli.tail;

import io.tapflow.schemas.Direction;

/** Writes a direction as the arrow the table and the analyze summary use. */
final class Arrows {
  private Arrows() {}

  /** {@code ->} from client to server, {@code <-} from server to client. */
  static String of(Direction d) {
    return d == Direction.CLIENT_TO_SERVER ? "->" : "<-";
  }
}

package io.meshfed.protocol.version;

/**
 * The versions of one protocol a build understands, both ends included. Two builds can talk when
 * their ranges overlap: each speaks the highest version both understand.
 */
public record ProtocolRange(int min, int max) {
  public ProtocolRange {
    if (min < 1 || max < min) {
      throw new IllegalArgumentException("a protocol range needs 1 <= min <= max, got " + min + ".." + max);
    }
  }

  public boolean overlaps(ProtocolRange other) {
    return min <= other.max && other.min <= max;
  }

  /** The highest version both understand; only meaningful when they {@link #overlaps overlap}. */
  public int common(ProtocolRange other) {
    return Math.min(max, other.max);
  }

  @Override
  public String toString() {
    return min == max ? Integer.toString(min) : min + "-" + max;
  }
}

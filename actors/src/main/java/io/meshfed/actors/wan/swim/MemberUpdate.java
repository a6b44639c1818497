package io.meshfed.actors.wan.swim;

import java.util.Map;
import java.util.Objects;

/** A disseminated fact about one member; the higher incarnation wins (see {@link SwimMembership}). */
public sealed interface MemberUpdate {
  String name();

  long incarnation();

  /**
   * Rough wire size, used to fill a packet's piggy-back budget without encoding each candidate. It
   * over-estimates protobuf's size (one byte of framing per field is assumed to be at most 4).
   */
  int estimatedSize();

  record Alive(String name, long incarnation, String address, Map<String, String> tags)
      implements MemberUpdate {
    public Alive {
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(address, "address");
      tags = Map.copyOf(tags);
    }

    @Override
    public int estimatedSize() {
      int size = 16 + name.length() + address.length();
      for (Map.Entry<String, String> tag : tags.entrySet()) {
        size += 8 + tag.getKey().length() + tag.getValue().length();
      }
      return size;
    }
  }

  record Suspect(String name, long incarnation, String from) implements MemberUpdate {
    public Suspect {
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(from, "from");
    }

    @Override
    public int estimatedSize() {
      return 16 + name.length() + from.length();
    }
  }

  /**
   * Declared dead by {@code from}; a member declaring itself dead has left gracefully (or an operator
   * forced the leave of a failed member, see {@link SwimMembership#forceLeave}). {@code prune}: a
   * leave after which the member is forgotten at once instead of kept as left.
   */
  record Dead(String name, long incarnation, String from, boolean prune) implements MemberUpdate {
    public Dead {
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(from, "from");
      if (prune && !name.equals(from)) {
        throw new IllegalArgumentException("only a leave can prune: " + name + " declared dead by " + from);
      }
    }

    public Dead(String name, long incarnation, String from) {
      this(name, incarnation, from, false);
    }

    public boolean isLeave() {
      return name.equals(from);
    }

    @Override
    public int estimatedSize() {
      return 16 + name.length() + from.length();
    }
  }
}

package io.meshfed.actors.wan.swim;

import io.meshfed.protocol.version.ProtocolRange;
import io.meshfed.protocol.version.Versions;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The protocol versions a WAN member advertises in its tags, and whether two members can talk: they
 * can when their gossip ranges overlap and their internal RPC ranges overlap. A member that
 * advertises no ranges is release 0.1.0, which spoke version 1 of both.
 */
public final class WanVersions {
  private WanVersions() {}

  /** The tags that advertise {@code gossip} and {@code rpc}, to add to a member's others. */
  public static Map<String, String> tags(ProtocolRange gossip, ProtocolRange rpc) {
    Map<String, String> tags = new TreeMap<>();
    tags.put(Member.Tags.GOSSIP_VERSION_MIN, Integer.toString(gossip.min()));
    tags.put(Member.Tags.GOSSIP_VERSION_MAX, Integer.toString(gossip.max()));
    tags.put(Member.Tags.RPC_VERSION_MIN, Integer.toString(rpc.min()));
    tags.put(Member.Tags.RPC_VERSION_MAX, Integer.toString(rpc.max()));
    return tags;
  }

  /** This build's own ranges as tags. */
  public static Map<String, String> current() {
    return tags(Versions.GOSSIP, Versions.RPC);
  }

  /**
   * Why a member with {@code own} tags cannot list one with {@code peer} tags, as one line that reads
   * the same on both sides; empty when they can talk.
   */
  public static Optional<String> refusal(String ownName, Map<String, String> own, String peerName,
      Map<String, String> peer) {
    ProtocolRange ownGossip;
    ProtocolRange ownRpc;
    ProtocolRange peerGossip;
    ProtocolRange peerRpc;
    try {
      ownGossip = range(own, Member.Tags.GOSSIP_VERSION_MIN, Member.Tags.GOSSIP_VERSION_MAX);
      ownRpc = range(own, Member.Tags.RPC_VERSION_MIN, Member.Tags.RPC_VERSION_MAX);
    } catch (IllegalArgumentException e) {
      throw new IllegalStateException("this server's own version tags are invalid: " + e.getMessage(), e);
    }
    try {
      peerGossip = range(peer, Member.Tags.GOSSIP_VERSION_MIN, Member.Tags.GOSSIP_VERSION_MAX);
      peerRpc = range(peer, Member.Tags.RPC_VERSION_MIN, Member.Tags.RPC_VERSION_MAX);
    } catch (IllegalArgumentException e) {
      return Optional.of(describe(peerName, peer) + " advertises unreadable protocol versions (" + e.getMessage()
          + "): not listed");
    }
    String missing = !ownGossip.overlaps(peerGossip) ? "gossip" : !ownRpc.overlaps(peerRpc) ? "internal RPC" : null;
    if (missing == null) {
      return Optional.empty();
    }
    return Optional.of(describe(ownName, own) + " understands gossip " + ownGossip + " and internal RPC " + ownRpc
        + ", " + describe(peerName, peer) + " gossip " + peerGossip + " and internal RPC " + peerRpc
        + ": no " + missing + " version in common; run releases at most one apart (docs/upgrading.md)");
  }

  private static String describe(String name, Map<String, String> tags) {
    return name + " (meshfed " + tags.getOrDefault(Member.Tags.VERSION, "unknown") + ")";
  }

  /** A range from its two tags; neither tag (release 0.1.0) is version 1. */
  static ProtocolRange range(Map<String, String> tags, String minKey, String maxKey) {
    String min = tags.get(minKey);
    String max = tags.get(maxKey);
    if (min == null && max == null) {
      return Versions.UNADVERTISED;
    }
    if (min == null || max == null) {
      throw new IllegalArgumentException(minKey + " and " + maxKey + " come together");
    }
    try {
      return new ProtocolRange(Integer.parseInt(min), Integer.parseInt(max));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(minKey + "=" + min + ", " + maxKey + "=" + max + " are not numbers", e);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(minKey + "=" + min + ", " + maxKey + "=" + max + ": " + e.getMessage(), e);
    }
  }
}

package io.meshfed.actors.wan.swim;

import java.util.Map;
import java.util.Objects;

/**
 * One WAN member as this server sees it.
 *
 * @param name {@code <node>.<dc>}
 * @param datacenter the part after the last dot of {@code name}
 * @param address the member's server port, {@code host:port}
 * @param tags version, {@code ft_fs}, role, port, ... (see {@link Tags})
 * @param incarnation the member's own counter; only the member itself raises it (refutation, leave)
 * @param stateChangedAt the local clock (ms) when {@code state} last changed
 */
public record Member(String name, String datacenter, String address, Map<String, String> tags,
    long incarnation, MemberState state, long stateChangedAt) {

  public Member {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(datacenter, "datacenter");
    Objects.requireNonNull(address, "address");
    tags = Map.copyOf(tags);
    Objects.requireNonNull(state, "state");
  }

  Member withState(MemberState newState, long newIncarnation, long now) {
    long changedAt = newState == state ? stateChangedAt : now;
    return new Member(name, datacenter, address, tags, newIncarnation, newState, changedAt);
  }

  Member withAlive(MemberUpdate.Alive alive, long now) {
    long changedAt = state == MemberState.ALIVE ? stateChangedAt : now;
    return new Member(name, datacenter, alive.address(), alive.tags(), alive.incarnation(),
        MemberState.ALIVE, changedAt);
  }

  boolean sameIdentity(MemberUpdate.Alive alive) {
    return address.equals(alive.address()) && tags.equals(alive.tags());
  }

  MemberUpdate.Alive asAlive() {
    return new MemberUpdate.Alive(name, incarnation, address, tags);
  }

  /** Tag keys members publish. */
  public static final class Tags {
    public static final String VERSION = "version";
    public static final String FEATURE_FEDERATION_STATES = "ft_fs";
    public static final String ROLE = "role";
    public static final String PORT = "port";
    /** The gossip and internal RPC versions the member understands ({@link WanVersions}). */
    public static final String GOSSIP_VERSION_MIN = "gossip_vsn_min";
    public static final String GOSSIP_VERSION_MAX = "gossip_vsn_max";
    public static final String RPC_VERSION_MIN = "rpc_vsn_min";
    public static final String RPC_VERSION_MAX = "rpc_vsn_max";

    private Tags() {}
  }
}

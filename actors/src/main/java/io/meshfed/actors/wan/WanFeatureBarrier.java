package io.meshfed.actors.wan;

import io.meshfed.actors.federation.FederationBarrier;
import io.meshfed.actors.wan.swim.Member;
import io.meshfed.actors.wan.swim.MemberState;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

/**
 * Consul's {@code DatacenterSupportsFederationStates} over the WAN membership: the
 * federation-state APIs, replication and anti-entropy wait until every known server of the primary
 * and of this DC publishes {@code ft_fs = 1}, and at least one of each is known. Servers that left
 * do not count; failed ones do, because they may come back running an older version. Once passed,
 * the barrier stays open for the life of the process, and stored federation states open it too
 * (PR #9519/#9528), so a restarted secondary whose primary is unreachable still serves (Consul
 * #9342).
 */
public final class WanFeatureBarrier implements FederationBarrier {
  /** The error of the federation-state endpoints while the barrier holds. */
  public static final String NOT_ENABLED =
      "Federation states are currently disabled until all servers in the datacenter support the feature";

  private final String datacenter;
  private final String primaryDatacenter;
  private final Supplier<List<Member>> members;
  private final AtomicBoolean latched = new AtomicBoolean();

  public WanFeatureBarrier(String datacenter, String primaryDatacenter, Supplier<List<Member>> members) {
    this.datacenter = datacenter.toLowerCase(Locale.ROOT);
    this.primaryDatacenter = primaryDatacenter.toLowerCase(Locale.ROOT);
    this.members = members;
  }

  @Override
  public boolean passed() {
    if (latched.get()) {
      return true;
    }
    List<Member> all = members.get();
    boolean supported = (datacenter.equals(primaryDatacenter) || supports(all, primaryDatacenter))
        && supports(all, datacenter);
    if (supported) {
      latched.set(true);
    }
    return supported;
  }

  @Override
  public void latch() {
    latched.set(true);
  }

  private static boolean supports(List<Member> all, String dc) {
    boolean found = false;
    for (Member m : all) {
      if (!m.datacenter().toLowerCase(Locale.ROOT).equals(dc) || m.state() == MemberState.LEFT) {
        continue;
      }
      found = true;
      if (!"1".equals(m.tags().get(Member.Tags.FEATURE_FEDERATION_STATES))) {
        return false;
      }
    }
    return found;
  }
}

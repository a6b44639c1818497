package io.meshfed.actors.federation;

import static io.meshfed.actors.federation.FederationFixture.gateway;
import static io.meshfed.actors.federation.FederationFixture.state;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meshfed.actors.federation.GatewayRollout.DatacenterRollout;
import io.meshfed.actors.federation.GatewayRollout.Status;
import io.meshfed.protocol.model.CheckServiceNode;
import io.meshfed.protocol.model.FederationState;
import io.meshfed.protocol.model.HealthCheck;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The rollout view and the removal check on their own: the primary replaces gw1a/gw1b with
 * gw1c/gw1d, and its secondaries are at different points of that.
 */
class GatewayRolloutTest {
  private static final Instant NOW = Instant.parse("2026-12-03T06:00:00Z");
  private static final CheckServiceNode A = gateway("dc1", "gw1a", 8443, HealthCheck.PASSING);
  private static final CheckServiceNode B = gateway("dc1", "gw1b", 8444, HealthCheck.PASSING);
  private static final CheckServiceNode C = gateway("dc1", "gw1c", 8445, HealthCheck.PASSING);
  private static final CheckServiceNode D = gateway("dc1", "gw1d", 8446, HealthCheck.PASSING);

  private final Map<String, ReplicaProgress> progress = new HashMap<>();

  /** The primary's record at {@code index} with these gateways. */
  private static FederationState primary(long index, CheckServiceNode... gateways) {
    return state("dc1", gateways).withIndexes(0, 1, index);
  }

  private void heard(String dc, long index, Duration ago, CheckServiceNode... knows) {
    progress.put(dc, new ReplicaProgress(new ReplicaReport(dc, index, GatewayRef.of(List.of(knows))),
        NOW.minus(ago).toEpochMilli(), "n1"));
  }

  private GatewayRollout rollout(FederationState primary, List<String> secondaries, String... remove) {
    return GatewayRollout.of("dc1", primary, secondaries, progress, List.of(remove), NOW);
  }

  private static DatacenterRollout dc(GatewayRollout r, String name) {
    return r.datacenters().stream().filter(d -> d.datacenter().equals(name)).findFirst().orElseThrow();
  }

  @Test
  void eachDcIsCurrentBehindOrUnknownWithTheReasonInWords() {
    heard("dc2", 20, Duration.ofSeconds(1), A, B, C, D);
    heard("dc3", 12, Duration.ofSeconds(2), A, B);
    GatewayRollout r = rollout(primary(20, A, B, C, D), List.of("dc2", "dc3", "dc4"));

    assertThat(r.gateways()).extracting(GatewayRef::node).containsExactly("gw1a", "gw1b", "gw1c", "gw1d");
    assertThat(r.primaryStateIndex()).isEqualTo(20);
    assertThat(r.datacenters()).extracting(DatacenterRollout::datacenter).containsExactly("dc2", "dc3", "dc4");
    assertThat(dc(r, "dc2").status()).isEqualTo(Status.CURRENT);
    assertThat(dc(r, "dc2").reason()).isEqualTo("has dc1's current gateways (index 20)");
    assertThat(dc(r, "dc2").heardBy()).isEqualTo("n1");
    assertThat(dc(r, "dc3").status()).isEqualTo(Status.BEHIND);
    assertThat(dc(r, "dc3").reason()).isEqualTo("holds dc1's state at index 12, the primary's is 20; does not know "
        + "gw1c (10.0.0.195:8445), gw1d (10.0.0.196:8446) yet");
    assertThat(dc(r, "dc4").status()).isEqualTo(Status.UNKNOWN);
    assertThat(dc(r, "dc4").lastRead()).isNull();
    assertThat(r.complete()).isFalse();
    assertThat(r.removal()).isEmpty();
  }

  @Test
  void aDcStillDialingRemovedGatewaysNamesThemAndOneThatHasNotReadForLongIsFlagged() {
    heard("dc3", 12, Duration.ofSeconds(90), A, B);
    GatewayRollout r = rollout(primary(30, C, D), List.of("dc3"));

    assertThat(dc(r, "dc3").oldGateways()).extracting(GatewayRef::node).containsExactly("gw1a", "gw1b");
    assertThat(dc(r, "dc3").reason()).contains("; still dials gw1a (10.0.0.193:8443), gw1b (10.0.0.194:8444)")
        .endsWith("; its last replication read was 90 s ago: its replication may be failing "
            + "(meshfed operator routines in dc3)");
  }

  @Test
  void everyDcCurrentIsComplete() {
    heard("dc2", 20, Duration.ZERO, C, D);
    heard("dc3", 20, Duration.ZERO, C, D);
    assertThat(rollout(primary(20, C, D), List.of("dc2", "dc3")).complete()).isTrue();
    assertThat(rollout(primary(20, C, D), List.of()).complete()).isTrue();
  }

  @Test
  void removingTheOldGatewaysIsRefusedWhileADcKnowsOnlyThemAndAllowedOnceItKnowsANewOne() {
    heard("dc2", 20, Duration.ZERO, A, B, C, D);
    heard("dc3", 12, Duration.ZERO, A, B);
    GatewayRollout refused = rollout(primary(20, A, B, C, D), List.of("dc2", "dc3"), "gw1a", "gw1b");
    assertThat(refused.removal()).hasValueSatisfying(m -> {
      assertThat(m.safe()).isFalse();
      assertThat(m.lagging()).containsExactly("dc3");
      assertThat(m.message()).isEqualTo("removing gw1a, gw1b now would cut dc3 off from dc1: dc3 (knows only "
          + "gw1a (10.0.0.193:8443), gw1b (10.0.0.194:8444): holds dc1's state at index 12, the primary's is 20; "
          + "does not know gw1c (10.0.0.195:8445), gw1d (10.0.0.196:8446) yet); wait until it has replicated dc1's "
          + "current gateways");
    });
    // One of the two old ones may go: dc3 still knows the other, which stays.
    assertThat(rollout(primary(20, A, B, C, D), List.of("dc2", "dc3"), "gw1a").removal())
        .hasValueSatisfying(m -> assertThat(m.safe()).isTrue());

    heard("dc3", 20, Duration.ZERO, A, B, C, D);
    GatewayRollout allowed = rollout(primary(20, A, B, C, D), List.of("dc2", "dc3"), "gw1a", "10.0.0.194:8444");
    assertThat(allowed.removal()).hasValueSatisfying(m -> {
      assertThat(m.safe()).isTrue();
      assertThat(m.lagging()).isEmpty();
      assertThat(m.message()).isEqualTo("every DC knows a gateway of dc1 that stays: dc2 (gw1c, gw1d), "
          + "dc3 (gw1c, gw1d)");
    });
  }

  @Test
  void aDcNeverHeardFromIsLaggingAndRemovingEveryGatewayIsNeverSafe() {
    heard("dc2", 20, Duration.ZERO, A, C);
    GatewayRollout unknown = rollout(primary(20, A, C), List.of("dc2", "dc4"), "gw1a");
    assertThat(unknown.removal()).hasValueSatisfying(m -> {
      assertThat(m.safe()).isFalse();
      assertThat(m.lagging()).containsExactly("dc4");
      assertThat(m.message()).contains("dc4 (no replication read from dc4 heard since the primary's servers started)");
    });
    GatewayRollout all = rollout(primary(20, A, C), List.of("dc2"), "gw1a", "gw1c");
    assertThat(all.removal()).hasValueSatisfying(m -> {
      assertThat(m.safe()).isFalse();
      assertThat(m.lagging()).containsExactly("dc2");
      assertThat(m.message()).isEqualTo("removing gw1a, gw1c would leave dc1 without a gateway: start their "
          + "replacements first");
    });
  }

  @Test
  void aGatewayNoOneKnowsIsAnErrorThatListsThePrimarysGateways() {
    heard("dc2", 20, Duration.ZERO, A, C);
    assertThatThrownBy(() -> rollout(primary(20, A, C), List.of("dc2"), "gw9"))
        .isInstanceOf(GatewayRollout.UnknownGateway.class)
        .hasMessage("\"gw9\" is not a gateway of dc1: its gateways are gw1a (10.0.0.193:8443), gw1c (10.0.0.195:8445)");
    // Already gone from the primary but still in a DC's copy: known, and judged.
    heard("dc3", 10, Duration.ZERO, B);
    assertThat(rollout(primary(20, A, C), List.of("dc2", "dc3"), "gw1b").removal())
        .hasValueSatisfying(m -> assertThat(m.lagging()).containsExactly("dc3"));
  }

  @Test
  void aDcWithoutAStateIsListedWhileItReadsAndForgottenLongAfter() {
    heard("dc5", 0, Duration.ofMinutes(1));
    heard("dc6", 0, Duration.ofMinutes(11));
    heard("dc1", 20, Duration.ZERO, A);
    GatewayRollout r = rollout(primary(20, A), List.of());
    assertThat(r.datacenters()).extracting(DatacenterRollout::datacenter).containsExactly("dc5");
    assertThat(dc(r, "dc5").reason()).startsWith("holds no state of dc1 yet");
  }
}

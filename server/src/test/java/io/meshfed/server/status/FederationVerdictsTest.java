package io.meshfed.server.status;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshfed.server.status.FederationVerdicts.Certificate;
import io.meshfed.server.status.FederationVerdicts.Gateway;
import io.meshfed.server.status.FederationVerdicts.Inputs;
import io.meshfed.server.status.FederationVerdicts.Judgement;
import io.meshfed.server.status.FederationVerdicts.Local;
import io.meshfed.server.status.FederationVerdicts.MemberStatus;
import io.meshfed.server.status.FederationVerdicts.Path;
import io.meshfed.server.status.FederationVerdicts.Push;
import io.meshfed.server.status.FederationVerdicts.Replica;
import io.meshfed.server.status.FederationVerdicts.Replication;
import io.meshfed.server.status.FederationVerdicts.Server;
import io.meshfed.server.status.FederationVerdicts.State;
import io.meshfed.server.status.FederationVerdicts.Verdict;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The verdict rules one by one (docs/operations.md, "Troubleshooting"), seen from n2 of secondary dc2. */
class FederationVerdictsTest {
  static final Instant NOW = Instant.parse("2026-12-03T18:05:00Z");
  static final Instant T0 = Instant.parse("2026-12-03T18:02:11Z");

  /** A healthy federation of dc1 (primary, 3 servers), dc2 (this DC) and dc3, everything passing. */
  static final class World {
    String self = "dc2";
    String primary = "dc1";
    boolean crossDc = true;
    List<Server> servers = new ArrayList<>(List.of(
        new Server("n1a", "dc1", MemberStatus.ALIVE, T0), new Server("n1b", "dc1", MemberStatus.ALIVE, T0),
        new Server("n1c", "dc1", MemberStatus.ALIVE, T0), new Server("n2", "dc2", MemberStatus.ALIVE, T0),
        new Server("n3", "dc3", MemberStatus.ALIVE, T0)));
    Map<String, Path> paths = new HashMap<>(Map.of(
        "dc1", new Path("local-gateways", List.of(new Gateway("10.0.2.5:8443", null)), true),
        "dc3", new Path("local-gateways", List.of(new Gateway("10.0.2.5:8443", null)), true)));
    Map<String, State> states = new HashMap<>(Map.of("dc1", new State(1, T0), "dc2", new State(1, T0),
        "dc3", new State(1, T0)));
    Map<String, Replica> replicas = new HashMap<>();
    boolean barrierOpen = true;
    String barrierReason = "";
    String leaderProblem = "";
    Replication replication = new Replication(true, 131, 0, NOW.minusSeconds(3), null, null);
    Push push = new Push(T0, null);
    Certificate certificate = new Certificate("CN=server.dc2.meshfed", NOW.plus(Duration.ofDays(300)));
    String storeProblem = "";
    String routineError = "";
    List<String> asked = List.of();

    Judgement judge(String dc) {
      Local local = new Local(barrierOpen, barrierReason, "n2", leaderProblem, replication, push, certificate,
          storeProblem, routineError);
      return FederationVerdicts.judge(new Inputs(NOW, "n2", self, primary, crossDc, servers, paths, states, replicas,
          local, asked)).stream().filter(j -> j.datacenter().equals(dc)).findFirst().orElseThrow();
    }
  }

  @Test
  void aHealthyFederationIsHealthyEverywhereWithOneSummaryLine() {
    World w = new World();
    assertThat(w.judge("dc1").verdict()).isEqualTo(Verdict.HEALTHY);
    assertThat(w.judge("dc1").reasons()).containsExactly(
        "3 of 3 servers of dc1 alive; reached through this DC's mesh gateways (1 gateway, passing the probe)");
    assertThat(w.judge("dc2").verdict()).isEqualTo(Verdict.HEALTHY);
    assertThat(w.judge("dc2").reasons()).containsExactly(
        "1 of 1 server of dc2 alive (this server's DC), replicating from dc1 at index 131");
    assertThat(w.judge("dc3").verdict()).isEqualTo(Verdict.HEALTHY);
  }

  @Test
  void everyServerFailedIsUnreachableSinceTheLastFailure() {
    World w = new World();
    w.servers.replaceAll(s -> s.datacenter().equals("dc1") ? new Server(s.node(), "dc1", MemberStatus.FAILED,
        s.node().equals("n1c") ? T0.plusSeconds(4) : T0) : s);
    Judgement j = w.judge("dc1");
    assertThat(j.verdict()).isEqualTo(Verdict.UNREACHABLE);
    assertThat(j.reasons()).containsExactly("3 of 3 servers of dc1 failed in the WAN view since 18:02:15 UTC");
  }

  @Test
  void someServersFailedIsDegraded() {
    World w = new World();
    w.servers.replaceAll(s -> s.node().equals("n1a") || s.node().equals("n1b")
        ? new Server(s.node(), "dc1", MemberStatus.FAILED, T0) : s);
    Judgement j = w.judge("dc1");
    assertThat(j.verdict()).isEqualTo(Verdict.DEGRADED);
    assertThat(j.reasons()).containsExactly("2 of 3 servers of dc1 failed in the WAN view since 18:02:11 UTC");
  }

  @Test
  void leftServersDoNotCountButAllLeftIsUnreachable() {
    World w = new World();
    w.servers.replaceAll(s -> s.node().equals("n1a") ? new Server("n1a", "dc1", MemberStatus.LEFT, T0) : s);
    assertThat(w.judge("dc1").verdict()).isEqualTo(Verdict.HEALTHY);
    assertThat(w.judge("dc1").reasons().get(0)).startsWith("2 of 2 servers of dc1 alive");
    w.servers.replaceAll(s -> s.node().equals("n3") ? new Server("n3", "dc3", MemberStatus.LEFT, T0) : s);
    assertThat(w.judge("dc3")).isEqualTo(new Judgement("dc3", Verdict.UNREACHABLE,
        List.of("every server of dc3 has left the WAN (1 left)")));
  }

  @Test
  void aSuspectIsDegradedButStillRouted() {
    World w = new World();
    w.servers.replaceAll(s -> s.node().equals("n3") ? new Server("n3", "dc3", MemberStatus.SUSPECT, T0) : s);
    Judgement j = w.judge("dc3");
    assertThat(j.verdict()).isEqualTo(Verdict.DEGRADED);
    assertThat(j.reasons()).containsExactly(
        "1 of 1 server of dc3 suspected in the WAN view since 18:02:11 UTC (still routed to until declared failed)");
  }

  @Test
  void aDcKnownOnlyByItsStateOrByAskingIsUnreachable() {
    World w = new World();
    w.states.put("dc4", new State(1, T0));
    w.paths.put("dc4", new Path("local-gateways", List.of(new Gateway("10.0.2.5:8443", null)), true));
    w.asked = List.of("dc9");
    assertThat(w.judge("dc4").verdict()).isEqualTo(Verdict.UNREACHABLE);
    assertThat(w.judge("dc4").reasons()).containsExactly("no server of dc4 in the WAN view of n2");
    assertThat(w.judge("dc9").reasons()).containsExactly("no server of dc9 in the WAN view of n2",
        "no gateway known on the path to dc9 (none: the gateway locator has not read the store yet)");
  }

  @Test
  void noGatewayOnThePathIsUnreachable() {
    World w = new World();
    w.paths.put("dc3", new Path("local-gateways", List.of(), true));
    assertThat(w.judge("dc3")).isEqualTo(new Judgement("dc3", Verdict.UNREACHABLE,
        List.of("no gateway known on the path to dc3 (this DC's mesh gateways)")));
  }

  @Test
  void everyGatewayFailingItsProbeIsUnreachableWithTheProbesError() {
    World w = new World();
    w.paths.put("dc1", new Path("primary-gateways", List.of(
        new Gateway("10.0.0.4:8443", "connection timed out"), new Gateway("10.0.0.5:8443", "Connection refused")),
        true));
    assertThat(w.judge("dc1")).isEqualTo(new Judgement("dc1", Verdict.UNREACHABLE, List.of(
        "no gateway on the path to dc1 (the primary's mesh gateways, dialed directly) passed its probe: 2 failing,"
            + " last error Connection refused at 10.0.0.5:8443")));
  }

  @Test
  void everyGatewayTowardsAnotherDcFailingItsProbeIsDegradedOnly() {
    // The probe goes to the primary's servers: with the primary cut off, dc3 may still be reached.
    World w = new World();
    w.paths.put("dc3", new Path("local-gateways", List.of(new Gateway("10.0.2.5:8443", "TLS handshake with"
        + " server.dc1.meshfed via 10.0.2.5:8443 failed: the connection closed before the handshake completed")), true));
    assertThat(w.judge("dc3")).isEqualTo(new Judgement("dc3", Verdict.DEGRADED, List.of(
        "no gateway on the path to dc3 (this DC's mesh gateways) passed its probe: last error TLS handshake with"
            + " server.dc1.meshfed via 10.0.2.5:8443 failed: the connection closed before the handshake completed at"
            + " 10.0.2.5:8443 (the probe is a TLS handshake with a server of dc1 through the gateway)")));
  }

  @Test
  void someGatewaysFailingTheirProbeIsDegraded() {
    World w = new World();
    w.paths.put("dc1", new Path("local-gateways", List.of(new Gateway("10.0.2.5:8443", null),
        new Gateway("10.0.2.6:8443", "Connection refused")), true));
    assertThat(w.judge("dc1")).isEqualTo(new Judgement("dc1", Verdict.DEGRADED, List.of(
        "gateway 10.0.2.6:8443 on the path to dc1 failed its probe: Connection refused (1 of 2 pass)")));
  }

  @Test
  void staticGatewaysAreNotProbedSoTheirStateIsNoReason() {
    World w = new World();
    w.paths.put("dc3", new Path("static-gateways", List.of(new Gateway("10.0.3.5:8443", null)), false));
    assertThat(w.judge("dc3").verdict()).isEqualTo(Verdict.HEALTHY);
    assertThat(w.judge("dc3").reasons().get(0)).endsWith("reached through static-gateways (1 gateway, not probed)");
  }

  @Test
  void withoutTlsNoPathIsJudged() {
    World w = new World();
    w.crossDc = false;
    w.paths.clear();
    w.states.clear();
    assertThat(w.judge("dc3")).isEqualTo(new Judgement("dc3", Verdict.HEALTHY, List.of("1 of 1 server of dc3 alive")));
  }

  @Test
  void aMissingOrEmptyFederationStateIsDegradedOnceTheBarrierIsOpen() {
    World w = new World();
    w.states.remove("dc3");
    w.states.put("dc1", new State(0, T0));
    assertThat(w.judge("dc3").reasons()).containsExactly("no federation state of dc3 in dc2's store");
    assertThat(w.judge("dc1").reasons()).containsExactly(
        "dc1's federation state lists no mesh gateway (updated 2026-12-03T18:02:11Z)");
    w.barrierOpen = false;
    w.barrierReason = "no server of the primary dc1 in the WAN view yet";
    assertThat(w.judge("dc3").verdict()).isEqualTo(Verdict.HEALTHY);
  }

  @Test
  void inThePrimaryASecondaryBehindOrSilentIsDegraded() {
    World w = new World();
    w.self = "dc1";
    w.primary = "dc1";
    w.paths.put("dc2", new Path("local-gateways", List.of(new Gateway("10.0.1.5:8443", null)), true));
    w.replicas.put("dc2", new Replica("behind", NOW.minusSeconds(5), "holds index 120 of dc1's record, not 131"));
    w.replicas.put("dc3", new Replica("current", NOW.minusSeconds(70), "has dc1's current gateways (index 131)"));
    assertThat(w.judge("dc2").reasons()).containsExactly(
        "replication of dc2 is behind: holds index 120 of dc1's record, not 131");
    assertThat(w.judge("dc3").reasons()).containsExactly("no replication read from dc3 for 70 s (last at 18:03:50 UTC)");
    w.replicas.put("dc3", new Replica("current", NOW.minusSeconds(20), "has dc1's current gateways (index 131)"));
    assertThat(w.judge("dc3").verdict()).isEqualTo(Verdict.HEALTHY);
  }

  @Test
  void theOwnDcIsNeverUnreachable() {
    World w = new World();
    w.servers.replaceAll(s -> s.datacenter().equals("dc2") ? new Server("n2", "dc2", MemberStatus.FAILED, T0) : s);
    assertThat(w.judge("dc2").verdict()).isEqualTo(Verdict.DEGRADED);
  }

  @Test
  void aClosedBarrierIsDegradedWithItsReason() {
    World w = new World();
    w.barrierOpen = false;
    w.barrierReason = "server n3 of dc1 does not support federation states (version 0.0.9)";
    assertThat(w.judge("dc2").reasons()).containsExactly(
        "feature barrier closed: server n3 of dc1 does not support federation states (version 0.0.9)");
  }

  @Test
  void failingReplicationIsDegradedWithItsLagIndexAndError() {
    World w = new World();
    w.replication = new Replication(false, 120, 4, NOW.minusSeconds(34), NOW.minusSeconds(1),
        "replication step stalled: no answer from the primary");
    assertThat(w.judge("dc2")).isEqualTo(new Judgement("dc2", Verdict.DEGRADED, List.of(
        "replication failing: 4 failed rounds since the last success 34 s ago at 18:04:26 UTC, at index 120 of the"
            + " primary; last error: replication step stalled: no answer from the primary")));
    w.replication = new Replication(false, 0, 1, NOW.minusSeconds(2), NOW, "datacenter dc1 did not answer");
    assertThat(w.judge("dc2").reasons()).containsExactly("replication failing: 1 failed round since the last success"
        + " 2 s ago at 18:04:58 UTC, a full sync due; last error: datacenter dc1 did not answer");
  }

  @Test
  void replicationWithNoRoundForLongerThanAReadCanWaitIsStalled() {
    World w = new World();
    w.replication = new Replication(true, 131, 0, NOW.minusSeconds(45), null, null, 0);
    assertThat(w.judge("dc2").verdict()).isEqualTo(Verdict.HEALTHY);
    w.replication = new Replication(true, 131, 0, NOW.minusSeconds(46), null, null, 2);
    assertThat(w.judge("dc2")).isEqualTo(new Judgement("dc2", Verdict.DEGRADED, List.of(
        "replication has completed no round for 46 s (last success at 18:04:14 UTC, at index 131) and none failed:"
            + " a step is not answering; the watchdog restarts the routine once one is 20 s overdue (the watchdog has"
            + " ended 2 stalled instances since the leader started)")));
  }

  @Test
  void aWedgedRoutineRestartingSaysWhatEndedIt() {
    World w = new World();
    w.replication = null;
    w.routineError = "ReplicationWedged: the primary has not answered a read of federation states 20s after its"
        + " longest wait (31.875s) at 2026-12-03T18:04:40Z";
    assertThat(w.judge("dc2").reasons()).containsExactly("federation-state replication is not running on the leader n2"
        + " (the routine's last failure: ReplicationWedged: the primary has not answered a read of federation states"
        + " 20s after its longest wait (31.875s) at 2026-12-03T18:04:40Z)");
    w.replication = new Replication(false, 0, 0, null, null, null, 1);
    assertThat(w.judge("dc2").reasons()).containsExactly("replication from dc1 has not completed a round yet"
        + " (the routine's last failure: ReplicationWedged: the primary has not answered a read of federation states"
        + " 20s after its longest wait (31.875s) at 2026-12-03T18:04:40Z) (the watchdog has ended 1 stalled instance"
        + " since the leader started)");
  }

  @Test
  void replicationNotRunningOrNotYetDoneIsDegraded() {
    World w = new World();
    w.replication = null;
    assertThat(w.judge("dc2").reasons()).containsExactly(
        "federation-state replication is not running on the leader n2");
    w.replication = new Replication(false, 0, 0, null, null, null);
    assertThat(w.judge("dc2").reasons()).containsExactly("replication from dc1 has not completed a round yet");
  }

  @Test
  void theLeaderNotAnsweringIsSaidNotFailed() {
    World w = new World();
    w.leaderProblem = "no answer within 3 s";
    w.replication = null;
    assertThat(w.judge("dc2")).isEqualTo(new Judgement("dc2", Verdict.DEGRADED, List.of(
        "the leader could not be asked: no answer within 3 s; replication and anti-entropy unknown")));
    assertThat(w.judge("dc1").verdict()).isEqualTo(Verdict.HEALTHY);
  }

  @Test
  void aFailedAntiEntropyPushIsDegraded() {
    World w = new World();
    w.push = new Push(T0, "Permission denied: this token lacks operator:write");
    assertThat(w.judge("dc2").reasons()).containsExactly(
        "anti-entropy's last push at 18:02:11 UTC failed: Permission denied: this token lacks operator:write");
  }

  @Test
  void aCertificateWithinTheWarningWindowIsNamedAndWithinTheUrgentOneOrExpiredIsDegraded() {
    World w = new World();
    w.certificate = new Certificate("CN=server.dc2.meshfed", NOW.plus(Duration.ofDays(30)).plusSeconds(1));
    assertThat(w.judge("dc2").reasons()).hasSize(1);
    w.certificate = new Certificate("CN=server.dc2.meshfed", NOW.plus(Duration.ofDays(12)).plusSeconds(60));
    assertThat(w.judge("dc2")).isEqualTo(new Judgement("dc2", Verdict.HEALTHY, List.of(
        "1 of 1 server of dc2 alive (this server's DC), replicating from dc1 at index 131",
        "the certificate of server n2 (CN=server.dc2.meshfed) expires in 12 days (on 2026-12-15T18:06:00Z); replace"
            + " it and run meshfed reload")));
    w.certificate = new Certificate("CN=server.dc2.meshfed", NOW.plus(Duration.ofDays(2)).plusSeconds(60));
    assertThat(w.judge("dc2")).isEqualTo(new Judgement("dc2", Verdict.DEGRADED, List.of(
        "the certificate of server n2 (CN=server.dc2.meshfed) expires in 2 days (on 2026-12-05T18:06:00Z); replace"
            + " it and run meshfed reload")));
    w.certificate = new Certificate("CN=server.dc2.meshfed", NOW.minusSeconds(1));
    assertThat(w.judge("dc2")).isEqualTo(new Judgement("dc2", Verdict.DEGRADED, List.of(
        "the certificate of server n2 (CN=server.dc2.meshfed) expired on 2026-12-03T18:04:59Z")));
  }

  @Test
  void anUnreadableStoreIsDegraded() {
    World w = new World();
    w.storeProblem = "the store did not answer within 10s";
    assertThat(w.judge("dc2").reasons()).containsExactly(
        "the DC's store could not be read: the store did not answer within 10s");
  }

  @Test
  void everyKnownDcIsJudgedOnceInNameOrder() {
    World w = new World();
    w.states.put("dc0", new State(1, T0));
    Local local = new Local(true, "", "n2", "", w.replication, w.push, w.certificate, "");
    List<Judgement> all = FederationVerdicts.judge(new Inputs(NOW, "n2", "dc2", "dc1", true, w.servers, w.paths,
        w.states, w.replicas, local, List.of()));
    assertThat(all).extracting(Judgement::datacenter).containsExactly("dc0", "dc1", "dc2", "dc3");
  }
}

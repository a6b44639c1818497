package io.meshfed.cli.demo;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshfed.protocol.model.CheckServiceNode;
import io.meshfed.protocol.model.FederationState;
import io.meshfed.protocol.model.Member;
import io.meshfed.protocol.model.Node;
import io.meshfed.protocol.model.NodeService;
import io.meshfed.protocol.model.ServiceAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DemoViewTest {
  private static final Instant NOW = Instant.parse("2026-11-26T09:10:11Z");
  private static final DemoDc DC1 = new DemoDc(1, 8501, 8502, 8300, 8301, 8443, 19000);
  private static final DemoDc DC2 = new DemoDc(2, 9501, 9502, 9300, 9301, 9443, 19001);

  private static Member member(DemoDc dc, String status) {
    return new Member(dc.node() + "." + dc.name(), dc.serverHost(), dc.serverPort(), status, dc.name(),
        Map.of("role", "meshfed"));
  }

  private static FederationState state(DemoDc dc, long index, Duration age) {
    CheckServiceNode gw = new CheckServiceNode(new Node(dc.gatewayName(), dc.gatewayHost(), dc.name(), Map.of(), Map.of()),
        new NodeService("mesh-gateway", "mesh-gateway", "mesh-gateway", List.of(), dc.gatewayHost(), dc.gatewayPort(),
            Map.of(), Map.of(NodeService.TAG_WAN, new ServiceAddress(dc.gatewayHost(), dc.gatewayPort()))),
        List.of());
    return new FederationState(dc.name(), List.of(gw), NOW.minus(age), index, index, index);
  }

  @Test
  void aConvergedFederationShowsEveryDcsMembersAndStates() {
    List<FederationState> states = List.of(state(DC2, 14, Duration.ofSeconds(75)), state(DC1, 9, Duration.ofSeconds(3)));
    List<DemoView.Snapshot> snapshots = List.of(
        DemoView.Snapshot.of(DC1, List.of(member(DC2, "alive"), member(DC1, "alive")), states),
        DemoView.Snapshot.of(DC2, List.of(member(DC1, "alive"), member(DC2, "alive")), states));
    assertThat(DemoView.headline(snapshots))
        .isEqualTo(new DemoView.Headline(true, "converged: every DC sees 2 alive WAN members and 2 federation states"));
    assertThat(DemoView.render(snapshots, NOW, Duration.ofSeconds(42), ZoneOffset.UTC)).isEqualTo("""
        == meshfed demo: 2 datacenters, up 42s, 09:10:11 ==

        dc1 (primary)   server 127.0.1.1:8501 (HTTP)   gateway 127.0.1.2:8443
          WAN members (2 alive): n1.dc1 alive, n2.dc2 alive
          federation states held (2):
            DC   GATEWAYS (node address)  MODIFY-INDEX  UPDATED
            dc1  gw1 127.0.1.2:8443       9             3s ago
            dc2  gw2 127.0.2.2:9443       14            1m15s ago

        dc2   server 127.0.2.1:9501 (HTTP)   gateway 127.0.2.2:9443
          WAN members (2 alive): n1.dc1 alive, n2.dc2 alive
          federation states held (2):
            DC   GATEWAYS (node address)  MODIFY-INDEX  UPDATED
            dc1  gw1 127.0.1.2:8443       9             3s ago
            dc2  gw2 127.0.2.2:9443       14            1m15s ago

        converged: every DC sees 2 alive WAN members and 2 federation states
        """);
  }

  @Test
  void theHeadlineSaysWhatIsMissing() {
    FederationState noGateways = new FederationState("dc1", List.of(), NOW, 3, 3, 3);
    List<DemoView.Snapshot> snapshots = List.of(
        DemoView.Snapshot.of(DC1, List.of(member(DC1, "alive"), member(DC2, "failed")), List.of(noGateways)),
        DemoView.Snapshot.failed(DC2, "Connection refused"));
    DemoView.Headline headline = DemoView.headline(snapshots);
    assertThat(headline.converged()).isFalse();
    assertThat(headline.text()).isEqualTo("not converged yet: dc1: 1 of 2 WAN members alive, no federation state "
        + "with a gateway for dc1, dc2; dc2 does not answer (Connection refused)");
    String view = DemoView.render(snapshots, NOW, Duration.ofSeconds(3725), ZoneOffset.UTC);
    assertThat(view).startsWith("== meshfed demo: 2 datacenters, up 1h02m, 09:10:11 ==\n")
        .contains("  WAN members (1 alive): n1.dc1 alive, n2.dc2 failed\n")
        .contains("    dc1  none                     3             0s ago\n")
        .contains("dc2   server 127.0.2.1:9501 (HTTP)   gateway 127.0.2.2:9443\n  no answer: Connection refused\n")
        .endsWith("\n" + headline.text() + "\n");
  }

  @Test
  void aSecondaryThatDoesNotServeStatesYetShowsItsMembersAndWhy() {
    String why = "HTTP 503: Federation states are currently disabled until all servers in the datacenter support the feature";
    List<DemoView.Snapshot> snapshots = List.of(
        DemoView.Snapshot.of(DC1, List.of(member(DC1, "alive")), List.of(state(DC1, 5, Duration.ofSeconds(1)))),
        new DemoView.Snapshot(DC2, List.of(member(DC2, "alive")), null, null, why));
    assertThat(DemoView.headline(snapshots).text()).isEqualTo("not converged yet: dc1: 1 of 2 WAN members alive, "
        + "no federation state with a gateway for dc2; dc2: 1 of 2 WAN members alive, federation states not served "
        + "(HTTP 503)");
    assertThat(DemoView.render(snapshots, NOW, Duration.ofSeconds(9), ZoneOffset.UTC)).contains("""
        dc2   server 127.0.2.1:9501 (HTTP)   gateway 127.0.2.2:9443
          WAN members (1 alive): n2.dc2 alive
          federation states: not served yet: %s
        """.formatted(why));
  }

  @Test
  void aDcThatKnowsNothingYetSaysSo() {
    List<DemoView.Snapshot> one = List.of(DemoView.Snapshot.of(DC1, List.of(), List.of()));
    assertThat(DemoView.render(one, NOW, Duration.ZERO, ZoneOffset.UTC)).isEqualTo("""
        == meshfed demo: 1 datacenter, up 0s, 09:10:11 ==

        dc1 (primary)   server 127.0.1.1:8501 (HTTP)   gateway 127.0.1.2:8443
          WAN members: none yet
          federation states held: none yet

        not converged yet: dc1: 0 of 1 WAN members alive, no federation state with a gateway for dc1
        """);
  }

  @Test
  void theLegendNamesThisRunsAddressesAndHowToStop() {
    String legend = DemoView.legend(List.of(DC1, DC2), Path.of("/tmp/meshfed-demo-1"), Path.of("/x/meshfed.jar"),
        Map.of("dc1", 101L, "dc2", 102L), "Ctrl-C stops everything.");
    assertThat(legend)
        .startsWith("meshfed demo: 2 datacenters on loopback, each one server and one mesh gateway; dc1 is the primary.\n"
            + "  dc1: server n1 HTTP 127.0.1.1:8501, gRPC 127.0.1.1:8502; gateway gw1 127.0.1.2:8443 (pid 101)\n")
        .contains("Traffic between DCs only goes through the mesh gateways")
        .contains("  curl -s http://127.0.2.1:9501/v1/agent/members?wan=1\n")
        .contains("  open http://127.0.2.1:9501/ui/ in a browser: the federation map\n")
        .contains("  java -jar /x/meshfed.jar federation-state list --http-addr 127.0.2.1:9501\n")
        .contains("  kill 102   # stop dc2's gateway, then watch dc2's state lose gw2 in every DC and the WAN members turn failed\n")
        .contains("logs (dcN-server.log, dcN-gateway.log): /tmp/meshfed-demo-1\n")
        .endsWith("Ctrl-C stops everything.\n");
  }
}

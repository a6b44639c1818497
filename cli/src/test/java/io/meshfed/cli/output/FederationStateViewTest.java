package io.meshfed.cli.output;

import static io.meshfed.cli.output.Samples.gateway;
import static io.meshfed.cli.output.Samples.lanWan;
import static org.assertj.core.api.Assertions.assertThat;

import io.meshfed.protocol.model.CheckServiceNode;
import io.meshfed.protocol.model.FederationState;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class FederationStateViewTest {
  private static final Map<String, String> WAN_FED = Map.of("meshfed-wan-federation", "1");
  private static final Instant AT = Instant.parse("2026-11-26T01:02:03Z");

  private static final CheckServiceNode GW1 = gateway("gw-node-1", "mesh-gateway-1", "10.0.0.1", 8443,
      lanWan("10.0.0.1", 8443, "203.0.113.1", 443), WAN_FED, "passing");
  private static final CheckServiceNode GW2 = gateway("gw2", "mesh-gateway", "10.0.0.2", 8443,
      Map.of(), Map.of("meshfed-wan-federation", "0"), "passing", "critical");

  @Test
  void listsOneLinePerDatacenterWithCriticalGatewaysCounted() {
    List<FederationState> states = List.of(
        new FederationState("dc2", List.of(GW1, GW2), AT, 5, 4, 12),
        new FederationState("dc-three", List.of(GW1), null, 7, 7, 7),
        new FederationState("dc4", List.of(), AT, 1234567, 1, 1234567));
    assertThat(FederationStateView.list(states)).isEqualTo(
        "DATACENTER  GATEWAYS        PRIMARY-MODIFY-INDEX  MODIFY-INDEX  UPDATED-AT\n"
      + "dc2         2 (1 critical)  5                     12            2026-11-26T01:02:03Z\n"
      + "dc-three    1               7                     7             -\n"
      + "dc4         0               1234567               1234567       2026-11-26T01:02:03Z\n");
  }

  @Test
  void anEmptyListIsSaidInWords() {
    assertThat(FederationStateView.list(List.of())).isEqualTo("No federation states.\n");
  }

  @Test
  void showsOneStateWithItsGateways() {
    FederationState state = new FederationState("dc2", List.of(GW1, GW2), AT, 5, 4, 12);
    assertThat(FederationStateView.get(state)).isEqualTo(
        "Datacenter: dc2\n"
      + "Updated at: 2026-11-26T01:02:03Z\n"
      + "Indexes: create 4, modify 12, primary modify 5\n"
      + "\n"
      + "NODE       SERVICE-ID      LAN-ADDRESS    WAN-ADDRESS      WAN-FED  HEALTH\n"
      + "gw-node-1  mesh-gateway-1  10.0.0.1:8443  203.0.113.1:443  yes      passing\n"
      + "gw2        mesh-gateway    10.0.0.2:8443  10.0.0.2:8443    no       critical\n");
  }

  @Test
  void aStateWithoutGatewaysSaysSo() {
    assertThat(FederationStateView.get(new FederationState("dc2", List.of(), null, 1, 1, 1)))
        .endsWith("\nNo mesh gateways.\n").contains("Updated at: -\n");
  }
}

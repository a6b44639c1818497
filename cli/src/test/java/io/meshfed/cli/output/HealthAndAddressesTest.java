package io.meshfed.cli.output;

import static io.meshfed.cli.output.Samples.gateway;
import static io.meshfed.cli.output.Samples.lanWan;
import static org.assertj.core.api.Assertions.assertThat;

import io.meshfed.protocol.model.CheckServiceNode;
import io.meshfed.protocol.model.Node;
import io.meshfed.protocol.model.NodeService;
import io.meshfed.protocol.model.ServiceAddress;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class HealthAndAddressesTest {
  @Test
  void healthIsTheWorstCheck() {
    assertThat(Health.worst(gateway("n", "g", "", 0, Map.of(), Map.of()))).isEqualTo("passing");
    assertThat(Health.worst(gateway("n", "g", "", 0, Map.of(), Map.of(), "passing", "warning"))).isEqualTo("warning");
    assertThat(Health.worst(gateway("n", "g", "", 0, Map.of(), Map.of(), "critical", "warning", "passing")))
        .isEqualTo("critical");
    assertThat(Health.worst(gateway("n", "g", "", 0, Map.of(), Map.of(), "passing", "maintenance")))
        .isEqualTo("maintenance");
    assertThat(Health.isCritical(gateway("n", "g", "", 0, Map.of(), Map.of(), "maintenance"))).isTrue();
    assertThat(Health.isCritical(gateway("n", "g", "", 0, Map.of(), Map.of(), "warning"))).isFalse();
  }

  @Test
  void taggedAddressesFallBackToTheServiceThenTheNodeAddress() {
    CheckServiceNode tagged = gateway("n", "g", "10.0.0.1", 8443, lanWan("10.0.0.2", 8444, "203.0.113.5", 443), Map.of());
    assertThat(Addresses.tagged(tagged, NodeService.TAG_LAN)).isEqualTo("10.0.0.2:8444");
    assertThat(Addresses.tagged(tagged, NodeService.TAG_WAN)).isEqualTo("203.0.113.5:443");

    CheckServiceNode lanOnly = gateway("n", "g", "10.0.0.1", 8443,
        Map.of(NodeService.TAG_LAN, new ServiceAddress("10.0.0.2", 8444)), Map.of());
    assertThat(Addresses.tagged(lanOnly, NodeService.TAG_WAN)).isEqualTo("10.0.0.1:8443");

    CheckServiceNode bare = gateway("n", "g", "", 8443, Map.of(), Map.of());
    assertThat(Addresses.tagged(bare, NodeService.TAG_WAN)).isEqualTo("10.0.0.9:8443");
    assertThat(Addresses.service(bare)).isEqualTo("10.0.0.9:8443");

    CheckServiceNode v6 = gateway("n", "g", "2001:db8::1", 8443, Map.of(), Map.of());
    assertThat(Addresses.service(v6)).isEqualTo("[2001:db8::1]:8443");

    CheckServiceNode nowhere = new CheckServiceNode(new Node("n", "", "dc1", Map.of(), Map.of()),
        new NodeService("web", "web", "", List.of(), "", 80, Map.of(), Map.of()), List.of());
    assertThat(Addresses.service(nowhere)).isEqualTo("-");
  }
}

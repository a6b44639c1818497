package io.meshfed.gateway.control;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshfed.protocol.v1.RegisterRequest;
import java.net.InetSocketAddress;
import org.junit.jupiter.api.Test;

class GatewayRegistrationTest {
  private static final InetSocketAddress LAN = InetSocketAddress.createUnresolved("10.0.0.5", 8443);
  private static final InetSocketAddress WAN = InetSocketAddress.createUnresolved("198.51.100.5", 443);

  @Test
  void anExposingGatewayRegistersItsAddressesTheOptInMetaAndATcpCheck() {
    RegisterRequest r = GatewayRegistration.request(new GatewayRegistration.Spec("dc1", "gw1", LAN, WAN, true));
    assertThat(r.getNode().getNode()).isEqualTo("gw1");
    assertThat(r.getNode().getAddress()).isEqualTo("10.0.0.5");
    assertThat(r.getService().getKind()).isEqualTo("mesh-gateway");
    assertThat(r.getService().getMetaMap()).containsExactly(java.util.Map.entry("meshfed-wan-federation", "1"));
    assertThat(r.getService().getTaggedAddressesMap().get("lan").getPort()).isEqualTo(8443);
    assertThat(r.getService().getTaggedAddressesMap().get("wan").getAddress()).isEqualTo("198.51.100.5");
    assertThat(r.getChecks(0).getDefinition().getTcp()).isEqualTo("10.0.0.5:8443");
    assertThat(r.getChecks(0).getDefinition().getInterval()).isEqualTo("5s");
  }

  @Test
  void withoutExposeServersThereIsNoOptInMeta() {
    RegisterRequest r = GatewayRegistration.request(new GatewayRegistration.Spec("dc1", "gw1", LAN, WAN, false));
    assertThat(r.getService().getMetaMap()).isEmpty();
  }
}

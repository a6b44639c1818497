package io.meshfed.gateway.control;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshfed.protocol.v1.CheckServiceNode;
import io.meshfed.protocol.v1.HealthCheck;
import io.meshfed.protocol.v1.ListMeshGatewaysResponse;
import io.meshfed.protocol.v1.MeshGateways;
import io.meshfed.protocol.v1.Node;
import io.meshfed.protocol.v1.NodeService;
import io.meshfed.protocol.v1.ServiceAddress;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RoutingSnapshotTest {
  @Test
  void localServersAreTheNonCriticalMeshfedEntriesAtTheirLanAddress() {
    var servers = RoutingSnapshot.localServers(List.of(
        entry("n1.example.com", "10.0.0.1", "10.0.0.1", 8300, Map.of("lan", "10.0.1.1:8300"), "passing"),
        entry("n2", "10.0.0.2", "", 8300, Map.of(), "passing"),
        entry("n3", "10.0.0.3", "10.0.0.3", 8300, Map.of(), "critical")));
    assertThat(servers).containsOnly(
        Map.entry("n1.example.com", new InetSocketAddress("10.0.1.1", 8300)),
        Map.entry("n2", new InetSocketAddress("10.0.0.2", 8300)));
  }

  @Test
  void remoteGatewaysAreOtherDcsWanAddressesHealthyFirst() {
    ListMeshGatewaysResponse response = ListMeshGatewaysResponse.newBuilder()
        .putDatacenterGateways("dc1", gateways(entry("gw-local", "10.0.0.9", "10.0.0.9", 8443,
            Map.of("wan", "198.51.100.9:443"), "passing")))
        .putDatacenterGateways("DC2", gateways(
            entry("gw-a", "10.2.0.1", "10.2.0.1", 8443, Map.of("wan", "198.51.100.1:443"), "passing"),
            entry("gw-b", "10.2.0.2", "10.2.0.2", 8443, Map.of("wan", "198.51.100.2:443"), "critical")))
        .putDatacenterGateways("dc3", gateways(
            entry("gw-c", "10.3.0.1", "10.3.0.1", 8443, Map.of(), "critical")))
        .build();
    assertThat(RoutingSnapshot.remoteGateways("DC1", response)).containsOnly(
        Map.entry("dc2", List.of(new InetSocketAddress("198.51.100.1", 443))),
        // All of dc3's are critical: used anyway, since a possibly stale path beats none.
        Map.entry("dc3", List.of(new InetSocketAddress("10.3.0.1", 8443))));
  }

  private static MeshGateways gateways(CheckServiceNode... entries) {
    return MeshGateways.newBuilder().addAllGateways(List.of(entries)).build();
  }

  private static CheckServiceNode entry(String node, String nodeAddress, String serviceAddress, int port,
      Map<String, String> tagged, String status) {
    NodeService.Builder service = NodeService.newBuilder().setId("s").setService("s").setAddress(serviceAddress)
        .setPort(port);
    tagged.forEach((tag, hostPort) -> service.putTaggedAddresses(tag, ServiceAddress.newBuilder()
        .setAddress(hostPort.substring(0, hostPort.indexOf(':')))
        .setPort(Integer.parseInt(hostPort.substring(hostPort.indexOf(':') + 1))).build()));
    return CheckServiceNode.newBuilder()
        .setNode(Node.newBuilder().setNode(node).setAddress(nodeAddress))
        .setService(service)
        .addChecks(HealthCheck.newBuilder().setNode(node).setCheckId("c").setStatus(status))
        .build();
  }
}

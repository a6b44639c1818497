package io.meshfed.cli.output;

import io.meshfed.protocol.model.CheckServiceNode;
import io.meshfed.protocol.model.HealthCheck;
import io.meshfed.protocol.model.Node;
import io.meshfed.protocol.model.NodeService;
import io.meshfed.protocol.model.ServiceAddress;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/** Records as the API would return them. */
final class Samples {
  private Samples() {}

  static CheckServiceNode gateway(String node, String id, String address, int port,
      Map<String, ServiceAddress> tagged, Map<String, String> meta, String... statuses) {
    List<HealthCheck> checks = Arrays.stream(statuses)
        .map(s -> new HealthCheck(node, id + "-" + s, s, s, "", "", id, "mesh-gateway"))
        .toList();
    return new CheckServiceNode(
        new Node(node, "10.0.0.9", "dc2", Map.of(), Map.of()),
        new NodeService(id, "mesh-gateway", "mesh-gateway", List.of(), address, port, meta, tagged),
        checks);
  }

  static Map<String, ServiceAddress> lanWan(String lan, int lanPort, String wan, int wanPort) {
    return Map.of(NodeService.TAG_LAN, new ServiceAddress(lan, lanPort), NodeService.TAG_WAN, new ServiceAddress(wan, wanPort));
  }
}

package io.meshfed.cli.output;

import io.meshfed.protocol.model.CheckServiceNode;
import io.meshfed.protocol.model.FederationState;
import io.meshfed.protocol.model.NodeService;
import io.meshfed.protocol.names.WireConstants;
import java.time.Instant;
import java.util.List;

/** Tables for {@code meshfed federation-state list} and {@code get}. */
public final class FederationStateView {
  private FederationStateView() {}

  public static String list(List<FederationState> states) {
    if (states.isEmpty()) {
      return "No federation states.\n";
    }
    Table table = new Table("DATACENTER", "GATEWAYS", "PRIMARY-MODIFY-INDEX", "MODIFY-INDEX", "UPDATED-AT");
    for (FederationState s : states) {
      table.row(s.datacenter(), gateways(s.meshGateways()), Long.toString(s.primaryModifyIndex()),
          Long.toString(s.modifyIndex()), updatedAt(s.updatedAt()));
    }
    return table.render();
  }

  public static String get(FederationState s) {
    StringBuilder out = new StringBuilder()
        .append("Datacenter: ").append(s.datacenter()).append('\n')
        .append("Updated at: ").append(updatedAt(s.updatedAt())).append('\n')
        .append("Indexes: create ").append(s.createIndex())
        .append(", modify ").append(s.modifyIndex())
        .append(", primary modify ").append(s.primaryModifyIndex()).append('\n')
        .append('\n');
    if (s.meshGateways().isEmpty()) {
      return out.append("No mesh gateways.\n").toString();
    }
    Table table = new Table("NODE", "SERVICE-ID", "LAN-ADDRESS", "WAN-ADDRESS", "WAN-FED", "HEALTH");
    for (CheckServiceNode gw : s.meshGateways()) {
      table.row(gw.node() == null ? "" : gw.node().node(), gw.service().id(),
          Addresses.tagged(gw, NodeService.TAG_LAN), Addresses.tagged(gw, NodeService.TAG_WAN),
          wanFederation(gw.service()) ? "yes" : "no", Health.worst(gw));
    }
    return out.append(table.render()).toString();
  }

  static String gateways(List<CheckServiceNode> gateways) {
    long critical = gateways.stream().filter(Health::isCritical).count();
    return critical == 0 ? Integer.toString(gateways.size()) : gateways.size() + " (" + critical + " critical)";
  }

  private static boolean wanFederation(NodeService service) {
    return WireConstants.META_WAN_FEDERATION_ON.equals(service.meta().get(WireConstants.META_WAN_FEDERATION));
  }

  private static String updatedAt(Instant at) {
    return at == null ? "-" : at.toString();
  }
}

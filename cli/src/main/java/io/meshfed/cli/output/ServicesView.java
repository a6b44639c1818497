package io.meshfed.cli.output;

import io.meshfed.protocol.model.CheckServiceNode;
import java.util.List;

/** The table of {@code meshfed catalog services}. */
public final class ServicesView {
  private ServicesView() {}

  public static String render(List<CheckServiceNode> instances) {
    if (instances.isEmpty()) {
      return "No services.\n";
    }
    Table table = new Table("SERVICE", "ID", "KIND", "NODE", "ADDRESS", "HEALTH");
    for (CheckServiceNode i : instances) {
      table.row(i.service().service(), i.service().id(), i.service().kind(),
          i.node() == null ? "" : i.node().node(), Addresses.service(i), Health.worst(i));
    }
    return table.render();
  }
}

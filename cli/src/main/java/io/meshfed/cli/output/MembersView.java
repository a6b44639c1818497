package io.meshfed.cli.output;

import io.meshfed.cli.http.HostPort;
import io.meshfed.protocol.model.Member;
import java.util.List;

/** The table of {@code meshfed members}. */
public final class MembersView {
  private MembersView() {}

  public static String render(List<Member> members) {
    if (members.isEmpty()) {
      return "No members.\n";
    }
    // BUILD: each server's own release, which a rolling upgrade changes one server at a time
    Table table = new Table("NAME", "ADDRESS", "STATUS", "DATACENTER", "ROLE", "BUILD");
    for (Member m : members) {
      String address = m.address() == null || m.address().isEmpty() ? "" : HostPort.format(m.address(), m.port());
      table.row(m.name(), address, m.status(), m.datacenter(), m.tags().get("role"), m.tags().get("version"));
    }
    return table.render();
  }
}

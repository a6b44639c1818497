package io.meshfed.actors.endpoint;

import io.meshfed.actors.acl.Acl;
import io.meshfed.actors.acl.Policy;
import io.meshfed.protocol.model.Member;
import io.meshfed.protocol.names.Names;
import java.util.List;
import java.util.Map;

/**
 * Leader and members. A DC is one server until the LAN cluster arrives, so the leader is this
 * server and the LAN and WAN member lists hold only it.
 */
public final class OperatorEndpoint {
  private final ServerIdentity self;
  private final Acl acl;

  public OperatorEndpoint(ServerIdentity self, Acl acl) {
    this.self = self;
    this.acl = acl;
  }

  /** The leader's server-port address, {@code host:port}. */
  public String leader(String token) {
    acl.authorize(token, Policy.OPERATOR_READ);
    return self.advertiseAddress() + ":" + self.serverPort();
  }

  public String leaderNode() {
    return self.nodeName();
  }

  public List<Member> members(String token, boolean wan) {
    acl.authorize(token, Policy.OPERATOR_READ);
    String name = wan ? Names.wanMemberName(self.nodeName(), self.datacenter()) : self.nodeName();
    Map<String, String> tags = Map.of(
        "role", "server",
        "dc", self.datacenter(),
        "port", Integer.toString(self.serverPort()),
        "version", self.version(),
        "ft_fs", "1");
    return List.of(new Member(name, self.advertiseAddress(), self.lanPort(), Member.ALIVE, self.datacenter(), tags));
  }
}

package io.meshfed.cli.output;

import static io.meshfed.cli.output.Samples.gateway;
import static io.meshfed.cli.output.Samples.lanWan;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.type.TypeReference;
import io.meshfed.cli.http.Json;
import io.meshfed.protocol.model.Member;
import io.meshfed.protocol.model.CheckServiceNode;
import io.meshfed.protocol.model.HealthCheck;
import io.meshfed.protocol.model.Node;
import io.meshfed.protocol.model.NodeService;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ServicesAndMembersViewTest {
  @Test
  void servicesShowKindOrDashAndTheServiceAddress() {
    CheckServiceNode web = new CheckServiceNode(new Node("node-a", "10.0.1.1", "dc1", Map.of(), Map.of()),
        new NodeService("web-1", "web", "", List.of(), "", 8080, Map.of(), Map.of()),
        List.of(new HealthCheck("node-a", "c", "c", "warning", "", "", "web-1", "web")));
    CheckServiceNode gw = gateway("gw", "mesh-gateway", "10.0.0.2", 8443, lanWan("10.0.0.3", 1, "1.2.3.4", 2), Map.of());
    assertThat(ServicesView.render(List.of(web, gw))).isEqualTo(
        "SERVICE       ID            KIND          NODE    ADDRESS        HEALTH\n"
      + "web           web-1         -             node-a  10.0.1.1:8080  warning\n"
      + "mesh-gateway  mesh-gateway  mesh-gateway  gw      10.0.0.2:8443  passing\n");
    assertThat(ServicesView.render(List.of())).isEqualTo("No services.\n");
  }

  @Test
  void membersAreReadFromTheApiShape() {
    List<Member> members = Json.read("[{\"Name\":\"n1.dc1\",\"Addr\":\"127.0.0.1\",\"Port\":8300,\"Status\":\"alive\","
        + "\"Datacenter\":\"dc1\",\"Tags\":{\"role\":\"server\",\"dc\":\"dc1\",\"version\":\"0.2.0\"},\"Extra\":1},"
        + "{\"Name\":\"client-7\",\"Addr\":\"::1\",\"Port\":8301,\"Status\":\"failed\",\"Datacenter\":\"dc22\"}]",
        new TypeReference<List<Member>>() {});
    assertThat(MembersView.render(members)).isEqualTo(
        "NAME      ADDRESS         STATUS  DATACENTER  ROLE    BUILD\n"
      + "n1.dc1    127.0.0.1:8300  alive   dc1         server  0.2.0\n"
      + "client-7  [::1]:8301      failed  dc22        -       -\n");
    assertThat(MembersView.render(List.of())).isEqualTo("No members.\n");
  }
}

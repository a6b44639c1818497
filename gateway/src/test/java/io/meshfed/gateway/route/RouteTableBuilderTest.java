package io.meshfed.gateway.route;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class RouteTableBuilderTest {
  private static final InetSocketAddress N1 = address(1, 8300);
  private static final InetSocketAddress FQDN = address(2, 8300);
  private static final InetSocketAddress DC2_GW_A = address(20, 8443);
  private static final InetSocketAddress DC2_GW_B = address(21, 8443);
  private static final InetSocketAddress DC1_GW = address(10, 8443);

  private final RouteTable table = RouteTableBuilder.build(7, new RoutingInputs("dc1", "meshfed", true,
      Map.of("n1", N1, "node.example.com", FQDN),
      Map.of("dc2", List.of(DC2_GW_A, DC2_GW_B), "dc1", List.of(DC1_GW), "dc3", List.of())));

  @Test
  void aLocalServerByName() {
    assertThat(table.lookup("n1.server.dc1.meshfed")).hasValue(new Route("n1.server.dc1.meshfed", List.of(N1)));
    assertThat(table.lookup("node.example.com.server.dc1.meshfed"))
        .hasValue(new Route("node.example.com.server.dc1.meshfed", List.of(FQDN)));
  }

  @Test
  void anyLocalServerGoesToAllOfThem() {
    assertThat(table.lookup("server.dc1.meshfed")).hasValue(new Route("server.dc1.meshfed", List.of(N1, FQDN)));
  }

  @Test
  void aRemoteDcByWildcardOrByItsAnyServerName() {
    Route dc2 = new Route("server.dc2.meshfed", List.of(DC2_GW_A, DC2_GW_B));
    assertThat(table.lookup("server.dc2.meshfed")).hasValue(dc2);
    assertThat(table.lookup("n7.server.dc2.meshfed")).hasValue(dc2);
    assertThat(table.lookup("a.b.c.server.dc2.meshfed")).hasValue(dc2);
  }

  @Test
  void namesIgnoreCase() {
    assertThat(table.lookup("N1.Server.DC1.MeshFed")).map(Route::name).hasValue("n1.server.dc1.meshfed");
    assertThat(table.lookup("X.SERVER.DC2.MESHFED")).map(Route::name).hasValue("server.dc2.meshfed");
  }

  @Test
  void everythingElseIsUnknown() {
    for (String name : List.of("n9.server.dc1.meshfed", "server.dc3.meshfed", "n1.server.dc3.meshfed",
        "n1.server.dc2.other", "server.meshfed", "dc2.meshfed", "n1.client.dc2.meshfed", "example.com", "")) {
      assertThat(table.lookup(name)).as(name).isEqualTo(Optional.empty());
    }
  }

  @Test
  void theLocalDcIsNeverRoutedToGateways() {
    assertThat(table.remoteDatacenters()).containsOnlyKeys("dc2");
    assertThat(table.endpoints()).doesNotContain(DC1_GW);
  }

  @Test
  void versionAndRoutesAreKept() {
    assertThat(table.version()).isEqualTo(7);
    assertThat(table.routes()).extracting(Route::name).containsExactlyInAnyOrder(
        "n1.server.dc1.meshfed", "node.example.com.server.dc1.meshfed", "server.dc1.meshfed", "server.dc2.meshfed");
  }

  @Test
  void withoutExposeServersOnlyOtherDcsAreRouted() {
    RouteTable closed = RouteTableBuilder.build(3, new RoutingInputs("dc1", "meshfed", false,
        Map.of("n1", N1, "node.example.com", FQDN), Map.of("dc2", List.of(DC2_GW_A, DC2_GW_B))));
    for (String name : List.of("n1.server.dc1.meshfed", "node.example.com.server.dc1.meshfed", "server.dc1.meshfed",
        "N1.SERVER.DC1.MESHFED")) {
      assertThat(closed.lookup(name)).as(name).isEqualTo(Optional.empty());
    }
    assertThat(closed.lookup("n7.server.dc2.meshfed")).map(Route::endpoints).hasValue(List.of(DC2_GW_A, DC2_GW_B));
    assertThat(closed.routes()).extracting(Route::name).containsExactly("server.dc2.meshfed");
    assertThat(closed.endpoints()).doesNotContain(N1, FQDN);
  }

  @Test
  void noHealthyLocalServerMeansNoLocalRoute() {
    RouteTable empty = RouteTableBuilder.build(1, new RoutingInputs("dc1", "meshfed", true, Map.of(), Map.of()));
    assertThat(empty.lookup("server.dc1.meshfed")).isEmpty();
  }

  @Test
  void invalidNamesAreRejected() {
    assertThatThrownBy(() -> RouteTableBuilder.build(1, new RoutingInputs("DC1", "meshfed", true, Map.of(), Map.of())))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("DC1");
    assertThatThrownBy(() -> RouteTableBuilder.build(1, new RoutingInputs("dc1", "meshfed", true, Map.of("a/b", N1), Map.of())))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("a/b");
    assertThatThrownBy(() -> RouteTableBuilder.build(1,
        new RoutingInputs("dc1", "meshfed", true, Map.of("n1", N1, "N1", FQDN), Map.of())))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("two routes");
    assertThatThrownBy(() -> RouteTableBuilder.build(1, new RoutingInputs("dc1", "meshfed", true,
        Map.of("n1", InetSocketAddress.createUnresolved("n1.example", 8300)), Map.of())))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not an IP address");
  }

  @Test
  void theHolderSwapsAtomically() {
    RoutingTableHolder holder = new RoutingTableHolder(RouteTable.EMPTY);
    assertThat(holder.swap(table)).isSameAs(RouteTable.EMPTY);
    assertThat(holder.current()).isSameAs(table);
  }

  private static InetSocketAddress address(int last, int port) {
    return new InetSocketAddress("10.0.0." + last, port);
  }
}

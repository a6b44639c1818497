package io.meshfed.cli.output;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshfed.cli.http.Json;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class RolloutViewTest {
  private static final Instant NOW = Instant.parse("2026-12-03T06:00:10Z");

  @Test
  void aDcBehindShowsItsOldGatewaysAndItsReason() {
    RolloutView.Rollout r = Json.read("""
        {"Primary":"dc1","PrimaryStateIndex":28,
         "Gateways":[{"Node":"gw1c","Address":"10.0.1.3:8443"},{"Node":"gw1d","Address":"10.0.1.4:8443"}],
         "Datacenters":[
          {"Datacenter":"dc2","Status":"current","PrimaryStateIndex":28,"Dials":[{"Node":"gw1c","Address":"10.0.1.3:8443"},
            {"Node":"gw1d","Address":"10.0.1.4:8443"}],"OldGateways":[],"LastRead":"2026-12-03T06:00:08Z","HeardBy":"s1",
            "Reason":"has dc1's current gateways (index 28)"},
          {"Datacenter":"dc3","Status":"behind","PrimaryStateIndex":12,"Dials":[{"Node":"gw1a","Address":"10.0.1.1:8443"}],
            "OldGateways":[{"Node":"gw1a","Address":"10.0.1.1:8443"}],"LastRead":"2026-12-03T05:57:00Z","HeardBy":"s2",
            "Reason":"holds dc1's state at index 12, the primary's is 28; still dials gw1a (10.0.1.1:8443)"},
          {"Datacenter":"dc4","Status":"unknown","PrimaryStateIndex":0,"Dials":[],"OldGateways":[],"LastRead":null,
            "HeardBy":"","Reason":"no replication read from dc4 heard since the primary's servers started"}],
         "Complete":false}
        """, RolloutView.Rollout.class);
    assertThat(RolloutView.render(r, NOW)).isEqualTo("""
        Primary dc1: gateways gw1c 10.0.1.3:8443, gw1d 10.0.1.4:8443 (index 28)
        DATACENTER  STATUS   INDEX  LAST-READ  HEARD-BY  DIALS
        dc2         current  28     2s ago     s1        gw1c, gw1d
        dc3         behind   12     3m ago     s2        gw1a (old)
        dc4         unknown  0      never      -         -
        dc3: holds dc1's state at index 12, the primary's is 28; still dials gw1a (10.0.1.1:8443)
        dc4: no replication read from dc4 heard since the primary's servers started
        Not every datacenter has dc1's current gateways yet.
        """);
  }

  @Test
  void noOtherDcs() {
    RolloutView.Rollout r = Json.read("""
        {"Primary":"dc1","PrimaryStateIndex":0,"Gateways":[],"Datacenters":[],"Complete":true}
        """, RolloutView.Rollout.class);
    assertThat(RolloutView.render(r, NOW)).isEqualTo("""
        Primary dc1: no gateways (index 0)
        No other datacenters.
        Every datacenter has dc1's current gateways.
        """);
  }
}

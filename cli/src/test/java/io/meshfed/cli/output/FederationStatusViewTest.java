package io.meshfed.cli.output;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshfed.cli.http.Json;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class FederationStatusViewTest {
  @Test
  void oneLinePerDatacenterWithSinceAndEveryReason() {
    FederationStatusView.Status status = Json.read("""
        {"Node":"n2","Datacenter":"dc2","Primary":"dc1","At":"2026-12-03T18:05:00.123Z",
         "Datacenters":[
          {"Datacenter":"dc1","Verdict":"unreachable","Since":"2026-12-03T18:02:11.5Z",
           "Reasons":["1 of 1 server of dc1 failed in the WAN view since 18:02:11 UTC",
                      "no gateway on the path to dc1 (this DC's mesh gateways) passed its probe: last error Connection refused at 10.0.0.5:8443"],
           "Servers":{"Alive":0}},
          {"Datacenter":"dc2","Verdict":"healthy","Since":"2026-12-03T16:00:00Z","Reasons":["1 of 1 server of dc2 alive"]}],
         "Local":{"Leader":"n2","LeaderError":""}}
        """, FederationStatusView.Status.class);
    assertThat(FederationStatusView.render(status)).isEqualTo("""
        As seen by server n2 of dc2 (primary dc1) at 2026-12-03T18:05:00Z:
        DATACENTER  VERDICT      SINCE                 REASON
        dc1         unreachable  18:02:11 (2m48s ago)  1 of 1 server of dc1 failed in the WAN view since 18:02:11 UTC; \
        no gateway on the path to dc1 (this DC's mesh gateways) passed its probe: last error Connection refused at 10.0.0.5:8443
        dc2         healthy      16:00:00 (2h05m ago)  1 of 1 server of dc2 alive
        """);
  }

  @Test
  void sinceIsTheTimeOfDayAndTheAge() {
    Instant now = Instant.parse("2026-12-03T18:05:00Z");
    assertThat(FederationStatusView.since(Instant.parse("2026-12-03T18:04:53Z"), now)).isEqualTo("18:04:53 (7s ago)");
    assertThat(FederationStatusView.since(null, now)).isEmpty();
  }
}

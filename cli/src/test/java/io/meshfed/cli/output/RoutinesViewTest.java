package io.meshfed.cli.output;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshfed.cli.http.Json;
import org.junit.jupiter.api.Test;

class RoutinesViewTest {
  @Test
  void rendersEachRoutineWithItsLastError() {
    RoutinesView.Report report = Json.read("""
        {"Leader":"s2","Routines":[
          {"Name":"member-reconcile","Running":true,"Restarts":0,"LastError":"","LastErrorAt":null},
          {"Name":"replication","Running":false,"Restarts":3,"LastError":"IllegalStateException: primary unreachable",
           "LastErrorAt":"2026-11-26T02:00:00Z"}]}
        """, RoutinesView.Report.class);
    assertThat(RoutinesView.render(report)).isEqualTo("""
        Leader: s2
        ROUTINE           RUNNING  RESTARTS  LAST-ERROR                                  AT
        member-reconcile  yes      0         -                                           -
        replication       no       3         IllegalStateException: primary unreachable  2026-11-26T02:00:00Z
        """);
  }

  @Test
  void noRoutines() {
    assertThat(RoutinesView.render(new RoutinesView.Report("s1", null))).isEqualTo("Leader: s1\nNo routines.\n");
  }
}

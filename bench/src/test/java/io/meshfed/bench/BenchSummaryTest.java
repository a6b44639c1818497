package io.meshfed.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class BenchSummaryTest {
  private static final List<String> LINES = List.of(
      "throughput direct ...(a human line, ignored)",
      "RESULT target=direct test=conn_rate value=100.0 unit=conn/s",
      "RESULT target=direct test=conn_rate value=300.0 unit=conn/s",
      "RESULT target=direct test=conn_rate value=200.0 unit=conn/s",
      "RESULT target=direct test=latency_p50 value=50.0 unit=us",
      "RESULT target=haproxy test=conn_rate value=180.0 unit=conn/s",
      "RESULT target=haproxy test=conn_rate value=160.0 unit=conn/s",
      "RESULT target=haproxy test=conn_errors value=1.0 unit=count",
      "RESULT target=haproxy test=conn_errors value=2.0 unit=count",
      "RESULT target=haproxy test=latency_p50 value=80.0 unit=us",
      "RESULT target=haproxy test=latency_p99 value=150.0 unit=us",
      "RESULT target=nginx test=conn_rate value=150.0 unit=conn/s",
      "RESULT target=nginx test=latency_p50 value=70.0 unit=us",
      "RESULT target=nginx test=latency_p99 value=130.0 unit=us",
      "RESULT target=direct test=latency_p99 value=100.0 unit=us",
      "RESULT target=meshfed test=conn_rate value=153.0 unit=conn/s",
      "RESULT target=meshfed test=latency_p50 value=95.5 unit=us",
      "RESULT target=meshfed test=latency_p99 value=140.0 unit=us",
      "RESULT target=meshfed test=rss_peak value=300.5 unit=MiB");

  @Test
  void mediansErrorSumsRatiosAndAddedLatency() {
    Summary summary = Summary.of(LINES);

    assertThat(summary.value("direct", "conn_rate")).isEqualTo(200.0);
    assertThat(summary.value("haproxy", "conn_rate")).isEqualTo(170.0);
    assertThat(summary.value("haproxy", "conn_errors")).isEqualTo(3.0);
    assertThat(summary.value("meshfed", "throughput_total")).isNaN();
    assertThat(summary.rounds("direct")).isEqualTo(3);

    String table = summary.table();
    // Columns: direct, haproxy, nginx, meshfed, then meshfed over haproxy, nginx and direct.
    assertThat(table).containsPattern("new TLS connections +conn/s +200\\.0 +170\\.0 +150\\.0 +153\\.0 +0\\.90x +1\\.02x +0\\.77x");
    assertThat(table).containsPattern("added latency p50 vs direct +us +\\+30\\.0 +\\+20\\.0 +\\+45\\.5 +\\+15\\.5 +\\+25\\.5");
    assertThat(table).containsPattern("added latency p99 vs direct +us +\\+50\\.0 +\\+30\\.0 +\\+40\\.0 +-10\\.0 +\\+10\\.0");
    assertThat(table).containsPattern("proxy peak RSS +MiB +- +- +- +300\\.5");
    assertThat(table).doesNotContain("heap used");
    assertThat(table).contains("meshfed/haproxy: throughput -, connection rate 0.90x, added p99 +40.0 us against +50.0");
    assertThat(table).containsPattern("meshfed/nginx: .*connection rate 1\\.02x, added p99 \\+40\\.0 us against \\+30\\.0 .*NOT met");
    assertThat(table).contains("meshfed/direct: throughput -, connection rate 0.77x");
  }

  @Test
  void rowsForTheOneTable() {
    assertThat(Summary.of(LINES).rows().lines()).containsExactly(
        "gateway throughput both ways\tMiB/s\thigher\t-\thaproxy=-\tnginx=-\tdirect=-",
        "gateway new TLS connections\tconn/s\thigher\t153.0\thaproxy=170.0\tnginx=150.0\tdirect=200.0",
        "gateway added latency p50 vs direct\tus\tlower\t45.5\thaproxy=30.0\tnginx=20.0",
        "gateway added latency p99 vs direct\tus\tlower\t40.0\thaproxy=50.0\tnginx=30.0",
        "gateway proxy peak RSS\tMiB\tlower\t300.5");
    assertThat(Summary.of(LINES.subList(0, 4)).rows()).isEmpty();
  }
}

package io.meshfed.cli.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class HostPortTest {
  @Test
  void parsesHostsAndBracketedIpv6() {
    assertThat(HostPort.parse("127.0.0.1:8500")).isEqualTo(new HostPort("127.0.0.1", 8500));
    assertThat(HostPort.parse("server.dc1:1")).isEqualTo(new HostPort("server.dc1", 1));
    HostPort v6 = HostPort.parse("[::1]:8500");
    assertThat(v6).isEqualTo(new HostPort("::1", 8500));
    assertThat(v6.toString()).isEqualTo("[::1]:8500");
  }

  @Test
  void rejectsWhatIsNotHostColonPort() {
    assertThatThrownBy(() -> HostPort.parse("localhost")).hasMessageContaining("expected HOST:PORT");
    assertThatThrownBy(() -> HostPort.parse("::1:8500")).hasMessageContaining("[ADDR]:PORT");
    assertThatThrownBy(() -> HostPort.parse(":8500")).hasMessageContaining("host is missing");
    assertThatThrownBy(() -> HostPort.parse("h:0")).hasMessageContaining("1 to 65535");
    assertThatThrownBy(() -> HostPort.parse("h:65536")).hasMessageContaining("1 to 65535");
    assertThatThrownBy(() -> HostPort.parse("h:http")).hasMessageContaining("invalid port 'http'");
    assertThatThrownBy(() -> HostPort.parse("[::1]8500")).hasMessageContaining("expected HOST:PORT");
  }

  @Test
  void encodesPathSegments() {
    assertThat(ApiClient.encode("dc 2/x")).isEqualTo("dc%202%2Fx");
  }
}

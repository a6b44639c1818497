package io.meshfed.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.ServerSocket;
import org.junit.jupiter.api.Test;

/** {@code meshfed gateway}'s flag errors: one line each, exit 2, and nothing started. */
class GatewayCommandTest {
  @Test
  void flagErrorsAreOneLineEach() {
    String[][] cases = {
        {"Error: --expose-servers requires --register (see 'meshfed gateway --help')",
            "--datacenter", "dc1", "--expose-servers"},
        {"Error: --register needs --lan-address HOST:PORT: --listen 0.0.0.0:8443 is a wildcard address that servers "
            + "cannot dial (see 'meshfed gateway --help')", "--datacenter", "dc1", "--register"},
        {"Error: --lan-address, --wan-address and --name are registered: give --register (see 'meshfed gateway --help')",
            "--datacenter", "dc1", "--wan-address", "198.51.100.1:443"},
        {"Error: --listen: expected HOST:PORT (IPv6 as [ADDR]:PORT), got '8443' (see 'meshfed gateway --help')",
            "--datacenter", "dc1", "--listen", "8443"},
        {"Error: --connect-timeout must be a positive duration such as 5s or 1h, got 'soon' "
            + "(see 'meshfed gateway --help')", "--datacenter", "dc1", "--connect-timeout", "soon"},
        {"Error: --drain-timeout must be a duration such as 30s, or 0s to stop at once, got '-5s' "
            + "(see 'meshfed gateway --help')", "--datacenter", "dc1", "--drain-timeout", "-5s"},
        {"Error: --drain-timeout must be a duration such as 30s, or 0s to stop at once, got '30' "
            + "(see 'meshfed gateway --help')", "--datacenter", "dc1", "--drain-timeout", "30"},
        {"Error: --transport must be auto, epoll or nio, got 'kqueue' (see 'meshfed gateway --help')",
            "--datacenter", "dc1", "--transport", "kqueue"},
        {"Error: Missing required option: '--datacenter=DC' (see 'meshfed gateway --help')"},
        {"Error: --server-addr: expected http:// or https://, got 'grpc://127.0.0.1:8503' (see 'meshfed gateway --help')",
            "--datacenter", "dc1", "--server-addr", "grpc://127.0.0.1:8503"},
        {"Error: give --client-cert and --client-key together (see 'meshfed gateway --help')",
            "--datacenter", "dc1", "--server-addr", "https://127.0.0.1:8503", "--client-cert", "c.pem"},
        {"Error: cannot read --ca-file /nonexistent/ca.pem: no such file (see 'meshfed gateway --help')",
            "--datacenter", "dc1", "--server-addr", "https://127.0.0.1:8503", "--ca-file", "/nonexistent/ca.pem"},
        {"Error: cannot read the token file /nonexistent/token: no such file (see 'meshfed gateway --help')",
            "--datacenter", "dc1", "--token-file", "/nonexistent/token"},
        {"Error: give --token or --token-file, not both (see 'meshfed gateway --help')",
            "--datacenter", "dc1", "--token", "t", "--token-file", "/nonexistent/token"},
    };
    for (String[] c : cases) {
      String[] args = new String[c.length];
      args[0] = "gateway";
      System.arraycopy(c, 1, args, 1, c.length - 1);
      CliRun r = MainTest.run(args);
      assertThat(r.exit()).as(String.join(" ", args)).isEqualTo(2);
      r.isOneErrorLine(c[0]);
    }
  }

  @Test
  void aListenAddressInUseIsOneErrorLine() throws Exception {
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      CliRun r = MainTest.run("gateway", "--datacenter", "dc1", "--listen",
          "127.0.0.1:" + taken.getLocalPort(), "--admin-port", "0");
      assertThat(r.exit()).isEqualTo(1);
      r.isOneErrorLine("Error: cannot listen on 127.0.0.1:" + taken.getLocalPort() + " or admin port 0 for the "
          + "gateway: address already in use (--listen, --admin-port)");
    }
  }
}

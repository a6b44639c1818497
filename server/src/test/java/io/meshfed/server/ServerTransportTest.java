package io.meshfed.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshfed.server.config.ServerConfig;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class ServerTransportTest {
  @Test
  void verifySettingsThatAskForLessAreEachOneWarningLine() {
    assertThat(ServerTransport.overriddenVerifySettings(tls(true, true, true))).isEmpty();
    assertThat(ServerTransport.overriddenVerifySettings(tls(false, true, false)))
        .containsExactly(
            "meshfed.tls.verify-incoming = false has no effect: the server port and the LAN always require client "
                + "certificates signed by ca-file, because mesh gateways expose the server port",
            "meshfed.tls.verify-server-hostname = false has no effect: dials always verify the certificate against "
                + "the target's name (<node>.server.<dc>.<domain> or server.<dc>.<domain>)");
    assertThat(ServerTransport.overriddenVerifySettings(tls(true, false, true)))
        .containsExactly("meshfed.tls.verify-outgoing = false has no effect: dials always verify the server's "
            + "certificate against ca-file");
  }

  private static ServerConfig.Tls tls(boolean incoming, boolean outgoing, boolean hostname) {
    return new ServerConfig.Tls(Path.of("ca.pem"), Path.of("c.pem"), Path.of("k.pem"), incoming, outgoing, hostname, false, false);
  }
}

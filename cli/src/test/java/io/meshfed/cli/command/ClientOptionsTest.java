package io.meshfed.cli.command;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.meshfed.cli.http.ApiAddress;
import io.meshfed.cli.http.HostPort;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;

class ClientOptionsTest {
  @Test
  void defaultsApplyWhenTheEnvironmentIsSilent() {
    assumeTrue(System.getenv("MESHFED_HTTP_ADDR") == null && System.getenv("MESHFED_HTTP_TOKEN") == null);
    CommandSpec spec = parse();
    assertThat((ApiAddress) spec.findOption("--http-addr").getValue())
        .isEqualTo(new ApiAddress(false, new HostPort("127.0.0.1", 8500)));
    assertThat((String) spec.findOption("--token").getValue()).isNull();
    assertThat((ClientOptions.Format) spec.findOption("--format").getValue()).isEqualTo(ClientOptions.Format.TABLE);
  }

  @Test
  void flagsOverrideTheDefaults() {
    CommandSpec spec = parse("--http-addr", "[::1]:9500", "--token", "secret", "--format", "json");
    assertThat((ApiAddress) spec.findOption("--http-addr").getValue())
        .isEqualTo(new ApiAddress(false, new HostPort("::1", 9500)));
    assertThat((String) spec.findOption("--token").getValue()).isEqualTo("secret");
    assertThat((ClientOptions.Format) spec.findOption("--format").getValue()).isEqualTo(ClientOptions.Format.JSON);
  }

  @Test
  void anHttpsAddressAsksForTls() {
    CommandSpec spec = parse("--http-addr", "https://server.example:8501/", "--ca-file", "ca.pem");
    ApiAddress address = (ApiAddress) spec.findOption("--http-addr").getValue();
    assertThat(address).isEqualTo(new ApiAddress(true, new HostPort("server.example", 8501)));
    assertThat(address).hasToString("https://server.example:8501");
    assertThat(ApiAddress.parse("HTTP://127.0.0.1:8500")).isEqualTo(new ApiAddress(false, new HostPort("127.0.0.1", 8500)));
  }

  @Test
  void anUnknownSchemeIsOneClearError() {
    assertThatThrownBy(() -> parse("--http-addr", "ftp://127.0.0.1:8500"))
        .hasMessageContaining("expected http:// or https://, got 'ftp://127.0.0.1:8500'");
  }

  private static CommandSpec parse(String... args) {
    CommandLine cmd = new CommandLine(new MembersCommand());
    cmd.parseArgs(args);
    return cmd.getCommandSpec();
  }
}

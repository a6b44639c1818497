package io.meshfed.cli.command;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.meshfed.cli.http.HostPort;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;

class ClientOptionsTest {
  @Test
  void defaultsApplyWhenTheEnvironmentIsSilent() {
    assumeTrue(System.getenv("MESHFED_HTTP_ADDR") == null && System.getenv("MESHFED_HTTP_TOKEN") == null);
    CommandSpec spec = parse();
    assertThat((HostPort) spec.findOption("--http-addr").getValue()).isEqualTo(new HostPort("127.0.0.1", 8500));
    assertThat((String) spec.findOption("--token").getValue()).isNull();
    assertThat((ClientOptions.Format) spec.findOption("--format").getValue()).isEqualTo(ClientOptions.Format.TABLE);
  }

  @Test
  void flagsOverrideTheDefaults() {
    CommandSpec spec = parse("--http-addr", "[::1]:9500", "--token", "secret", "--format", "json");
    assertThat((HostPort) spec.findOption("--http-addr").getValue()).isEqualTo(new HostPort("::1", 9500));
    assertThat((String) spec.findOption("--token").getValue()).isEqualTo("secret");
    assertThat((ClientOptions.Format) spec.findOption("--format").getValue()).isEqualTo(ClientOptions.Format.JSON);
  }

  private static CommandSpec parse(String... args) {
    CommandLine cmd = new CommandLine(new MembersCommand());
    cmd.parseArgs(args);
    return cmd.getCommandSpec();
  }
}

package io.meshfed.cli.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meshfed.cli.CliException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TokenFileTest {
  @TempDir Path dir;

  @Test
  void theFileHoldsTheTokenAloneAndWinsOverNothing() throws Exception {
    Path file = Files.writeString(dir.resolve("token"), "  6f1c7a52-0b8e-4f53-9d7e-3a2b1c0d9e8f\n");
    assertThat(TokenFile.resolve(null, file)).isEqualTo("6f1c7a52-0b8e-4f53-9d7e-3a2b1c0d9e8f");
    assertThat(TokenFile.resolve("given", null)).isEqualTo("given");
    assertThat(TokenFile.resolve(null, null)).isNull();
  }

  @Test
  void aMissingOrEmptyFileOrBothOptionsAreOneClearError() throws Exception {
    assertThatThrownBy(() -> TokenFile.resolve("given", dir.resolve("token"))).isInstanceOf(CliException.class)
        .hasMessage("give --token or --token-file, not both");
    assertThatThrownBy(() -> TokenFile.resolve(null, dir.resolve("absent"))).isInstanceOf(CliException.class)
        .hasMessageStartingWith("cannot read the token file " + dir.resolve("absent"));
    Path empty = Files.writeString(dir.resolve("empty"), "\n");
    assertThatThrownBy(() -> TokenFile.resolve(null, empty)).isInstanceOf(CliException.class)
        .hasMessage("the token file " + empty + " is empty");
  }
}

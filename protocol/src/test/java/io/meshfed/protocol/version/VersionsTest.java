package io.meshfed.protocol.version;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class VersionsTest {
  @Test
  void theReleaseIsTheBuildsOwnVersion() throws Exception {
    String pom = Files.readString(Path.of("..", "pom.xml"));
    Matcher m = Pattern.compile("<artifactId>meshfed-parent</artifactId>\\s*<version>([^<]+)</version>").matcher(pom);
    assertThat(m.find()).as("the parent pom names its version").isTrue();
    assertThat(Versions.RELEASE).isEqualTo(m.group(1));
  }

  @Test
  void thisReleaseStillSpeaksWhatRelease010Spoke() {
    // 0.1.0 advertised no versions and spoke 1 of each: dropping 1 ends federating with it
    assertThat(Versions.GOSSIP.overlaps(Versions.UNADVERTISED)).isTrue();
    assertThat(Versions.RPC.overlaps(Versions.UNADVERTISED)).isTrue();
  }

  @Test
  void rangesOverlapWhenTheyShareAVersion() {
    assertThat(new ProtocolRange(1, 2).overlaps(new ProtocolRange(2, 3))).isTrue();
    assertThat(new ProtocolRange(1, 2).common(new ProtocolRange(2, 3))).isEqualTo(2);
    assertThat(new ProtocolRange(1, 1).overlaps(new ProtocolRange(2, 3))).isFalse();
    assertThat(new ProtocolRange(4, 5).overlaps(new ProtocolRange(2, 3))).isFalse();
    assertThat(new ProtocolRange(1, 3)).hasToString("1-3");
    assertThat(new ProtocolRange(2, 2)).hasToString("2");
    assertThatThrownBy(() -> new ProtocolRange(2, 1)).hasMessageContaining("1 <= min <= max, got 2..1");
    assertThatThrownBy(() -> new ProtocolRange(0, 1)).isInstanceOf(IllegalArgumentException.class);
  }
}

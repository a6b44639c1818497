package io.meshfed.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Which tag {@link PreviousRelease} takes for the release before this build. */
class PreviousReleaseTest {
  @Test
  void takesTheHighestReleaseTagBelowThisBuildsVersionComparedAsNumbers() {
    List<String> tags = List.of("v0.1.0", "v0.9.0", "v0.10.0", "v0.10.1", "v0.11.0", "v1.0.0");
    assertThat(PreviousRelease.newestBelow(tags, "0.11.0-SNAPSHOT")).contains("v0.10.1");
    assertThat(PreviousRelease.newestBelow(tags, "0.10.1")).contains("v0.10.0");
    assertThat(PreviousRelease.newestBelow(tags, "0.2.0-SNAPSHOT")).contains("v0.1.0");
  }

  @Test
  void withoutTagsTheReleaseCommitsOfBinReleaseStandIn() {
    String a = "1".repeat(40);
    String b = "2".repeat(40);
    List<String> log = List.of(b + " Release 0.2.0", "3".repeat(40) + " Releases 0.1.5 and more",
        a + " Release 0.1.0", "4".repeat(40) + " Release 0.1.0-rc1");
    assertThat(PreviousRelease.newestReleaseCommitBelow(log, "0.3.0-SNAPSHOT"))
        .contains(new PreviousRelease.Ref("v0.2.0", b));
    assertThat(PreviousRelease.newestReleaseCommitBelow(log, "0.2.0"))
        .contains(new PreviousRelease.Ref("v0.1.0", a));
    assertThat(PreviousRelease.newestReleaseCommitBelow(log, "0.1.0-SNAPSHOT")).isEmpty();
  }

  @Test
  void ignoresTagsThatAreNotPlainReleasesAndFindsNoneBelowTheFirst() {
    assertThat(PreviousRelease.newestBelow(List.of("v0.1.0-rc1", "release-0.1.0", "v0.1", " v0.0.9 ", ""),
        "0.2.0-SNAPSHOT")).contains("v0.0.9");
    assertThat(PreviousRelease.newestBelow(List.of("v0.1.0", "v0.2.0"), "0.1.0-SNAPSHOT")).isEmpty();
    assertThat(PreviousRelease.newestBelow(List.of(), "0.2.0")).isEmpty();
    assertThatThrownBy(() -> PreviousRelease.newestBelow(List.of("v0.1.0"), "0.2"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("0.2");
  }
}

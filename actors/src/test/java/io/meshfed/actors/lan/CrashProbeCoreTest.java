package io.meshfed.actors.lan;

import static io.meshfed.actors.lan.CrashProbeCore.Outcome.ACCEPTED;
import static io.meshfed.actors.lan.CrashProbeCore.Outcome.OTHER;
import static io.meshfed.actors.lan.CrashProbeCore.Outcome.REFUSED;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.Set;
import org.junit.jupiter.api.Test;

/** Probe rounds stand for time: one round every 250 ms in the server. */
class CrashProbeCoreTest {
  private final CrashProbeCore<String> core = new CrashProbeCore<>();

  @Test
  void twoRefusalsInARowProveACrashOnce() {
    assertThat(core.round(true, Set.of("b", "c"))).containsExactlyInAnyOrder("b", "c");
    assertThat(core.outcome("b", REFUSED)).isFalse();
    assertThat(core.outcome("c", ACCEPTED)).isFalse();
    assertThat(core.round(true, Set.of("b", "c"))).containsExactlyInAnyOrder("b", "c");
    assertThat(core.outcome("b", REFUSED)).isTrue();
    assertThat(core.outcome("c", ACCEPTED)).isFalse();
    // Decided: not probed again while it stays Up in this server's view, and never decided twice.
    assertThat(core.round(true, Set.of("b", "c"))).containsExactly("c");
    assertThat(core.outcome("b", REFUSED)).isFalse();
  }

  @Test
  void silenceAndErrorsNeverCountAndBreakARun() {
    // A paused JVM's kernel still accepts; a machine gone or cut off times out: neither is a crash.
    for (int i = 0; i < 20; i++) {
      core.round(true, Set.of("b"));
      assertThat(core.outcome("b", OTHER)).isFalse();
    }
    core.round(true, Set.of("b"));
    assertThat(core.outcome("b", REFUSED)).isFalse();
    core.round(true, Set.of("b"));
    assertThat(core.outcome("b", OTHER)).isFalse();
    core.round(true, Set.of("b"));
    assertThat(core.outcome("b", REFUSED)).as("a timeout between two refusals resets the run").isFalse();
    core.round(true, Set.of("b"));
    assertThat(core.outcome("b", ACCEPTED)).isFalse();
    core.round(true, Set.of("b"));
    assertThat(core.outcome("b", REFUSED)).as("an accepted connection resets it too").isFalse();
    assertThat(core.refusalsOf("b")).contains(1);
  }

  @Test
  void onlyMembersStillUpAndOnlyWhileThisServerIsUp() {
    core.round(true, Set.of("b"));
    assertThat(core.outcome("b", REFUSED)).isFalse();
    // b left (Leaving, Exiting, Down or removed): it is forgotten, and an answer for it is ignored.
    assertThat(core.round(true, Set.of())).isEmpty();
    assertThat(core.outcome("b", REFUSED)).isFalse();
    assertThat(core.refusalsOf("b")).isEmpty();
    // While this server is not Up it may not see the cluster yet: it probes nothing.
    assertThat(core.round(false, Set.of("b", "c"))).isEmpty();
    assertThat(core.outcome("b", REFUSED)).isFalse();
  }

  @Test
  void aMemberIsNotProbedAgainBeforeItsLastProbeAnswered() {
    assertThat(core.round(true, Set.of("b"))).containsExactly("b");
    assertThat(core.round(true, Set.of("b"))).isEmpty();
    assertThat(core.outcome("b", REFUSED)).isFalse();
    assertThat(core.round(true, Set.of("b"))).containsExactly("b");
  }
}

package io.meshfed.actors.federation;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshfed.actors.federation.PruningCore.Action;
import io.meshfed.actors.federation.PruningCore.Delete;
import io.meshfed.actors.federation.PruningCore.ListStates;
import io.meshfed.actors.federation.PruningCore.Log;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.slf4j.event.Level;

/** Pruning's decisions on virtual time: checks every five minutes, a grace of one hour. */
class PruningCoreTest {
  private static final Duration GRACE = Duration.ofHours(1);
  private static final Duration INTERVAL = FederationStatePruning.DEFAULT_INTERVAL;
  private static final String OWN = "dc1";

  private final PruningCore core = new PruningCore(OWN, GRACE);

  /** One whole check at {@code minutes}: the DCs it deletes (every delete succeeds). */
  private List<String> checkAt(long minutes, List<String> stored, Set<String> inWan) {
    long now = Duration.ofMinutes(minutes).toNanos();
    assertThat(core.check(now)).containsExactly(new ListStates());
    List<String> deleted = new ArrayList<>();
    List<Action> actions = core.listed(stored, inWan, now);
    while (!actions.isEmpty()) {
      Delete d = actions.stream().filter(Delete.class::isInstance).map(Delete.class::cast).findFirst().orElseThrow();
      assertThat(actions.get(0)).isEqualTo(new Log(Level.INFO, "pruning stale federation state (datacenter "
          + d.datacenter() + ")"));
      deleted.add(d.datacenter());
      actions = core.deleted(d.datacenter(), now);
    }
    return deleted;
  }

  @Test
  void aDcAbsentAtEveryCheckForTheGraceIsDeletedCountingFromTheFirstCheckThatMissedIt() {
    List<String> stored = List.of(OWN, "dc-a", "dc-b");
    Set<String> wan = Set.of(OWN, "dc-a");
    long step = INTERVAL.toMinutes();
    List<String> deleted = new ArrayList<>();
    long minute = 10; // the first check that misses dc-b
    for (; deleted.isEmpty(); minute += step) {
      deleted = checkAt(minute, stored, wan);
    }
    assertThat(deleted).containsExactly("dc-b");
    assertThat(minute - step).as("deleted at the first check a full hour after the first miss").isEqualTo(70);
  }

  @Test
  void flapsShorterThanTheGraceDeleteNothingEvenWhenTheyAddUpToMore() {
    List<String> stored = List.of(OWN, "dc-a", "dc-b");
    Set<String> without = Set.of(OWN, "dc-a");
    Set<String> with = Set.of(OWN, "dc-a", "dc-b");
    for (long minute = 0; minute < 8 * 60; minute += INTERVAL.toMinutes()) {
      // Absent for 55 minutes of every hour, back for the last five.
      boolean back = minute % 60 == 55;
      assertThat(checkAt(minute, stored, back ? with : without)).as("minute " + minute).isEmpty();
    }
  }

  @Test
  void theOwnDcIsNeverPrunedAndWanNamesAreComparedWithoutCase() {
    PruningCore noGrace = new PruningCore(OWN, Duration.ZERO);
    noGrace.check(0);
    List<Action> actions = noGrace.listed(List.of("DC1", "DC-A", "dc-b"), Set.of("dc-a"), 0);
    assertThat(actions).filteredOn(Delete.class::isInstance).containsExactly(new Delete("dc-b"));
  }

  @Test
  void aCheckWhileTheLastOneRunsIsSkipped() {
    core.check(0);
    assertThat(core.check(1)).as("listing").isEmpty();
    PruningCore noGrace = new PruningCore(OWN, Duration.ZERO);
    noGrace.check(0);
    List<Action> first = noGrace.listed(List.of("dc-a", "dc-b"), Set.of(), 0);
    assertThat(first).contains(new Delete("dc-a"));
    assertThat(noGrace.check(1)).as("deleting").isEmpty();
    assertThat(noGrace.deleted("dc-a", 2)).contains(new Delete("dc-b"));
    assertThat(noGrace.deleted("dc-b", 3)).isEmpty();
    assertThat(noGrace.check(4)).containsExactly(new ListStates());
  }

  @Test
  void aFailedDeleteEndsTheCheckAndTheNextCheckTriesAgain() {
    PruningCore noGrace = new PruningCore(OWN, Duration.ZERO);
    noGrace.check(0);
    noGrace.listed(List.of("dc-a", "dc-b"), Set.of(), 0);
    assertThat(noGrace.deleteFailed("dc-a", "store moving", 1)).containsExactly(new Log(Level.ERROR,
        "error pruning stale federation states: Failed to delete federation state dc-a: store moving"));
    noGrace.check(2);
    assertThat(noGrace.listed(List.of("dc-a", "dc-b"), Set.of(), 2)).contains(new Delete("dc-a"));

    PruningCore listing = new PruningCore(OWN, GRACE);
    listing.check(0);
    assertThat(listing.listFailed("store moving", 1)).containsExactly(new Log(Level.ERROR,
        "error pruning stale federation states: cannot list them: store moving"));
    assertThat(listing.check(2)).containsExactly(new ListStates());
  }

  @Test
  void aRecordThatWentAwayStartsItsAbsenceAgainWhenItComesBack() {
    Set<String> wan = Set.of(OWN);
    assertThat(checkAt(0, List.of(OWN, "dc-a"), wan)).isEmpty();
    // dc-a's record is gone (deleted by hand), then pushed again and still absent from the WAN.
    assertThat(checkAt(30, List.of(OWN), wan)).isEmpty();
    assertThat(checkAt(40, List.of(OWN, "dc-a"), wan)).isEmpty();
    assertThat(checkAt(75, List.of(OWN, "dc-a"), wan)).as("only 35 minutes since it came back").isEmpty();
    assertThat(checkAt(100, List.of(OWN, "dc-a"), wan)).containsExactly("dc-a");
  }
}

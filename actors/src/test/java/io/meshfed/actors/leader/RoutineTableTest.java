package io.meshfed.actors.leader;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshfed.actors.leader.RoutineTable.Accepted;
import io.meshfed.actors.leader.RoutineTable.Log;
import io.meshfed.actors.leader.RoutineTable.Refused;
import io.meshfed.actors.leader.RoutineTable.StartRunner;
import io.meshfed.actors.leader.RoutineTable.StopRunner;
import io.meshfed.actors.leader.RoutineTable.Stopped;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The routine manager's book-keeping, without actors: waiters are plain strings here. */
class RoutineTableTest {
  private final RoutineTable<String> table = new RoutineTable<>();

  private static RoutineStatus running(String name) {
    return new RoutineStatus(name, true, 0, "", null);
  }

  @Test
  void startingANameThatRunsChangesNothing() {
    assertThat(table.start("replication")).containsExactly(new StartRunner<>(1, "replication"),
        new Log<>("started routine replication"), new Accepted<>());
    assertThat(table.start("replication")).containsExactly(new Accepted<>());
    assertThat(table.status()).containsExactly(running("replication"));
  }

  @Test
  void aNameWaitingToRestartIsStillThere() {
    table.start("replication");
    RoutineStatus failed = new RoutineStatus("replication", false, 1, "IllegalStateException: down", Instant.EPOCH);
    table.statusChanged(1, failed);
    assertThat(table.start("replication")).containsExactly(new Accepted<>());
    assertThat(table.status()).containsExactly(failed);
  }

  @Test
  void anEmptyNameIsRefused() {
    assertThat(table.start("")).containsExactly(new Refused<>("routine name must not be empty"));
    assertThat(table.start(null)).containsExactly(new Refused<>("routine name must not be empty"));
    assertThat(table.status()).isEmpty();
  }

  @Test
  void aStopIsAnsweredOnlyOnceTheRunnerHasTerminated() {
    table.start("anti-entropy");
    assertThat(table.stop("anti-entropy", "first")).containsExactly(new Log<>("stopping routine anti-entropy"),
        new StopRunner<>(1));
    assertThat(table.stop("anti-entropy", "second")).isEmpty();
    assertThat(table.status()).isEmpty();

    assertThat(table.runnerTerminated(1)).containsExactly(new Stopped<>("first"), new Stopped<>("second"));
    assertThat(table.stopping()).isEmpty();
  }

  @Test
  void stoppingAnUnknownNameIsAnsweredAtOnce() {
    assertThat(table.stop("no-such-routine", "caller")).containsExactly(new Stopped<>("caller"));
  }

  /** Consul's TestManager_StopBlocking: a routine still stopping does not block its restart. */
  @Test
  void startingANameWhoseRunnerStillStopsRunsANewRunner() {
    table.start("acl-replication");
    table.stop("acl-replication", "stopper");
    assertThat(table.start("acl-replication")).containsExactly(new StartRunner<>(2, "acl-replication"),
        new Log<>("started routine acl-replication"), new Accepted<>());

    // The old runner's reports no longer count, and its end only answers its stopper.
    table.statusChanged(1, new RoutineStatus("acl-replication", false, 4, "IllegalStateException: old", Instant.EPOCH));
    assertThat(table.status()).containsExactly(running("acl-replication"));
    assertThat(table.runnerTerminated(1)).containsExactly(new Stopped<>("stopper"));
    assertThat(table.status()).containsExactly(running("acl-replication"));
  }

  @Test
  void aRunnerThatStopsByItselfLeavesItsLastStatusAndCanBeStartedAgain() {
    table.start("once");
    RoutineStatus last = new RoutineStatus("once", true, 2, "IllegalStateException: flaky", Instant.EPOCH);
    table.statusChanged(1, last);
    assertThat(table.runnerTerminated(1)).isEmpty();
    assertThat(table.status()).containsExactly(new RoutineStatus("once", false, 2, "IllegalStateException: flaky",
        Instant.EPOCH));

    assertThat(table.start("once")).startsWith(new StartRunner<>(2, "once"));
    assertThat(table.status()).containsExactly(running("once"));
  }

  @Test
  void stopAllWaitsForEveryRunnerIncludingThoseAlreadyStopping() {
    table.start("b");
    table.start("a");
    table.start("c");
    table.stop("c", "stop-c");
    assertThat(table.stopAll("all")).containsExactly(new Log<>("stopping routine a"), new StopRunner<>(2),
        new Log<>("stopping routine b"), new StopRunner<>(1));
    assertThat(table.runnerTerminated(1)).isEmpty();
    assertThat(table.runnerTerminated(2)).isEmpty();
    assertThat(table.runnerTerminated(3)).containsExactly(new Stopped<>("stop-c"), new Stopped<>("all"));
    assertThat(table.status()).isEmpty();
  }

  @Test
  void statusIsSortedByName() {
    for (String name : List.of("pruning", "anti-entropy", "replication")) {
      table.start(name);
    }
    assertThat(table.status()).extracting(RoutineStatus::name)
        .containsExactly("anti-entropy", "pruning", "replication");
  }
}

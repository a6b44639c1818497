package io.meshfed.actors.federation;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * One actor system (a one-node cluster with an H2 journal) per test class; every routine a test
 * spawns is stopped after it, so no routine of an earlier test reads shared fields of a later one.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class FederationRoutineTestBase {
  @TempDir static Path dataDir;
  FederationFixture fx;
  private final List<ActorRef<?>> routines = new ArrayList<>();

  @BeforeAll
  void startSystem() {
    fx = FederationFixture.start(dataDir);
  }

  @AfterAll
  void stopSystem() {
    fx.stop();
  }

  @AfterEach
  void stopRoutines() {
    routines.forEach(fx.kit::stop);
    routines.clear();
  }

  <T> ActorRef<T> spawnRoutine(Behavior<T> behavior) {
    ActorRef<T> ref = fx.kit.spawn(behavior);
    routines.add(ref);
    return ref;
  }
}

package io.meshfed.actors.wan.swim;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * Random-seed exploration of {@link SwimSimulationTest}'s checks, beyond the fixed samples every
 * build runs; on request only, since a few dozen runs of up to 100 members take minutes:
 * <pre>
 *   mvn -o test -pl actors -am -Dtest=SwimExploreTest -Dsurefire.failIfNoSpecifiedTests=false \
 *       -Dexplore.runs=40 -Dexplore.base=1 -Dexplore.check=loss   # or kill, partition, join
 * </pre>
 * Every failing seed is listed with its size, to replay with an {@code @Example}.
 */
@EnabledIfSystemProperty(named = "explore.runs", matches = "\\d+")
class SwimExploreTest {

  private interface Check {
    void run(long seed, int members, int dcs);
  }

  @Test
  void explore() {
    int runs = Integer.getInteger("explore.runs");
    String name = System.getProperty("explore.check", "loss");
    Check check = switch (name) {
      case "loss" -> SwimSimulationTest::checkLoss;
      case "kill" -> SwimSimulationTest::checkKill;
      case "partition" -> SwimSimulationTest::checkPartition;
      case "join" -> SwimSimulationTest::checkJoinAndLeave;
      default -> throw new IllegalArgumentException("explore.check must be loss, kill, partition or join: " + name);
    };
    SplittableRandom random = new SplittableRandom(Long.getLong("explore.base", 1));
    List<String> failures = new ArrayList<>();
    for (int i = 0; i < runs; i++) {
      long seed = random.nextLong();
      int members = 6 + random.nextInt(95);
      int dcs = 2 + random.nextInt(9);
      try {
        check.run(seed, members, dcs);
      } catch (AssertionError e) {
        failures.add("seed " + seed + ", " + members + " members, " + dcs + " DCs: " + e.getMessage());
      }
    }
    assertEquals(List.of(), failures, name + ": " + failures.size() + " of " + runs + " runs failed");
  }
}

package io.meshfed.actors.wan.swim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Lifeguard's timer, with memberlist's suspicion_test.go figures (min 2 s, max 30 s, k = 3). */
class SuspicionTest {

  @Test
  void aLoneSuspicionRunsForTheMaximum() {
    Suspicion s = new Suspicion("a", 1_000, 2_000, 30_000, 3);
    assertEquals(31_000, s.deadline());
  }

  @Test
  void confirmationsShortenItLogarithmicallyDownToTheMinimum() {
    Suspicion s = new Suspicion("a", 0, 2_000, 30_000, 3);
    assertTrue(s.confirm("b"));
    assertEquals(16_000, s.deadline(), "30 - 28 * log(2)/log(4) = 16 s");
    assertTrue(s.confirm("c"));
    assertEquals(7_810, s.deadline(), "30 - 28 * log(3)/log(4) = 7.8105 s, floored to the ms");
    assertTrue(s.confirm("d"));
    assertEquals(2_000, s.deadline());
    assertFalse(s.confirm("e"), "beyond k nothing changes, and nothing is passed on");
    assertEquals(2_000, s.deadline());
  }

  @Test
  void theStarterAndRepeatsAreNoConfirmation() {
    Suspicion s = new Suspicion("a", 0, 2_000, 30_000, 3);
    assertFalse(s.confirm("a"));
    assertTrue(s.confirm("b"));
    assertFalse(s.confirm("b"));
    assertEquals(16_000, s.deadline());
  }

  @Test
  void withoutEnoughMembersToConfirmItIsThePlainTimeout() {
    Suspicion s = new Suspicion("a", 500, 2_000, 30_000, 0);
    assertEquals(2_500, s.deadline());
    assertFalse(s.confirm("b"));
  }

  @Test
  void kDependsOnTheMembersLeftToConfirm() {
    SwimSettings wan = SwimSettings.wanDefaults();
    assertEquals(0, wan.expectedConfirmations(5), "n - 2 = 3 < 4");
    assertEquals(4, wan.expectedConfirmations(6));
  }
}

package io.meshfed.actors.wan.swim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class SwimSettingsTest {
  private final SwimSettings wan = SwimSettings.wanDefaults();

  @Test
  void wanDefaultsScaleLikeMemberlist() {
    assertEquals(Duration.ofSeconds(30), wan.suspicionTimeout(3), "6 x 5 s, log10 scale floored at 1");
    assertEquals(Duration.ofSeconds(60), wan.suspicionTimeout(100));
    assertEquals(12, wan.retransmitLimit(100));
    assertEquals(Duration.ofSeconds(60), wan.pushPullInterval(32));
    assertEquals(Duration.ofSeconds(180), wan.pushPullInterval(100));
    // 198 x 5 s + 60 s + 12 x 0.5 s + 180 s
    assertEquals(Duration.ofSeconds(990 + 60 + 6 + 180), wan.deadDetectionBound(100));
  }

  @Test
  void probeTimeoutMustLeaveRoomForTheIndirectProbe() {
    assertThrows(IllegalArgumentException.class, () -> new SwimSettings(Duration.ofSeconds(1), Duration.ofSeconds(1),
        3, 6, 6, 4, Duration.ofMillis(500), 4, Duration.ofSeconds(60), Duration.ofSeconds(60), Duration.ofSeconds(30),
        Duration.ofHours(72), Duration.ofHours(24), 1400));
  }
}

package io.meshfed.actors.federation;

import java.time.Duration;

/**
 * A token bucket (Go's {@code rate.Limiter} as Consul uses it) without threads: the owning actor
 * asks for a token and, when none is available, schedules its own timer for the returned delay and
 * asks again then. Stopping the actor cancels that timer, so a stopped routine leaves no wait behind
 * (Consul's PR #8184 fixed goroutines parked in {@code limiter.Wait}). Not thread-safe: one actor.
 */
final class TokenBucket {
  private final double perSecond;
  private final double burst;
  private double tokens;
  private long lastNanos;

  TokenBucket(double perSecond, int burst, long nowNanos) {
    if (!(perSecond > 0) || burst < 1) {
      throw new IllegalArgumentException("token bucket needs a positive rate and burst, got " + perSecond
          + "/s burst " + burst);
    }
    this.perSecond = perSecond;
    this.burst = burst;
    this.tokens = burst;
    this.lastNanos = nowNanos;
  }

  /** Takes a token and returns zero, or takes nothing and returns how long until one is there. */
  Duration tryTake(long nowNanos) {
    tokens = Math.min(burst, tokens + (nowNanos - lastNanos) / 1e9 * perSecond);
    lastNanos = nowNanos;
    if (tokens >= 1.0) {
      tokens -= 1.0;
      return Duration.ZERO;
    }
    return Duration.ofNanos(Math.max(1, (long) Math.ceil((1.0 - tokens) / perSecond * 1e9)));
  }
}

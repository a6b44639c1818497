package io.meshfed.actors.leader;

import java.time.Instant;

/**
 * What the routine manager knows about one routine. {@code running} is true while the routine's
 * actor is alive: false while it waits out a restart backoff and after it finished.
 *
 * @param lastError the last failure as "ExceptionClass: message", or "" if it never failed
 * @param lastErrorAt when that failure happened, or null if it never failed
 */
public record RoutineStatus(String name, boolean running, int restarts, String lastError, Instant lastErrorAt) {}

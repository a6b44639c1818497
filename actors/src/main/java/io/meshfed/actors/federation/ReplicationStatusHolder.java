package io.meshfed.actors.federation;

import io.meshfed.transport.metrics.Meters;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.UnaryOperator;

/**
 * The latest {@link ReplicationStatus}, written by the replication routine and read from any
 * thread (operator API, metrics). One per server; it outlives the routine, so after leadership is
 * lost it shows {@code running = false} with the last outcome still visible.
 */
public final class ReplicationStatusHolder {
  private final AtomicReference<ReplicationStatus> status = new AtomicReference<>(ReplicationStatus.NOT_RUNNING);
  private final AtomicLong wedged = new AtomicLong();
  private final AtomicLong rounds = new AtomicLong();
  /** Null when nothing scrapes this holder (tests): then nothing is timed. */
  private final Meters meters;
  private final String table;

  /** A holder whose rounds are not timed. */
  public ReplicationStatusHolder() {
    this(null, "");
  }

  /**
   * @param meters the server's registry: round times go to {@code meshfed_replication_round_duration_seconds}
   *     and, for federation states, propagation delays to {@code meshfed_federation_state_propagation_delay_seconds}
   * @param table the {@code table} label of the round times ({@code federation-states}, {@code acl})
   */
  public ReplicationStatusHolder(Meters meters, String table) {
    this.meters = meters;
    this.table = table;
    if (meters != null) {
      // registered up front so that the families are in every scrape, also before a first round
      roundTimer("ok");
      roundTimer("error");
    }
  }

  public ReplicationStatus get() {
    return status.get();
  }

  /** Instances of the routine the watchdog ended since this server started (a counter). */
  public long wedged() {
    return wedged.get();
  }

  /**
   * Reads of the primary's table this server's routine has sent since it started (a counter): one
   * internal RPC each, the load a secondary puts on the primary through replication.
   */
  public long rounds() {
    return rounds.get();
  }

  void countRound() {
    rounds.incrementAndGet();
  }

  /**
   * A round's time from the primary's answer to the round's end (reading the local table, writing the
   * difference with its pauses): the fetch itself is a blocking read that waits for a change, so it is
   * left out (it is in the internal RPC histogram).
   */
  void recordRound(long nanos, boolean ok) {
    if (meters != null) {
      roundTimer(ok ? "ok" : "error").record(nanos, TimeUnit.NANOSECONDS);
    }
  }

  /**
   * A federation state of {@code datacenter} written into this DC's store at {@code appliedAt}, stamped
   * {@code updatedAt} by the DC that owns it. Both are wall clocks of different machines: a skew between
   * them adds to (or takes from) the delay, and a negative delay, only possible through skew, is not
   * recorded. The caller records only new versions, not a full sync's rewrites of copies it already held.
   */
  void recordPropagation(String datacenter, Instant updatedAt, Instant appliedAt) {
    if (meters == null || updatedAt == null) {
      return;
    }
    Duration delay = Duration.between(updatedAt, appliedAt);
    if (delay.isNegative()) {
      return;
    }
    meters.timer("meshfed.federation.state.propagation.delay", "time from a federation state's UpdatedAt stamp"
        + " (written by the DC that owns it) to its write into this secondary's store by replication, by the"
        + " state's datacenter; includes the clock skew between the two", Meters.LONG)
        .tag("datacenter", datacenter).register(meters.registry()).record(delay);
  }

  private Timer roundTimer(String outcome) {
    return meters.timer("meshfed.replication.round.duration", "replication rounds of this server, from the"
        + " primary's answer to the round's end (local read and writes), by replicated table and outcome",
        Meters.FAST).tags("table", table, "outcome", outcome).register(meters.registry());
  }

  void countWedged() {
    wedged.incrementAndGet();
  }

  void update(UnaryOperator<ReplicationStatus> change) {
    status.updateAndGet(change);
  }
}

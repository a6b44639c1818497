package io.meshfed.actors.lan;

import java.time.Duration;

/**
 * What {@link LanBootstrap} knows of this server's way into its DC's cluster, for callers deciding
 * whether waiting for it to be Up is worth it (a call held while a restarted server rejoins).
 * Written by the bootstrap actor, read from any thread.
 */
public final class JoinProgress {
  /**
   * How long after start a server gives its peers to answer before it takes their silence for
   * absence. A restarted server in a cold JVM hears its running peers (Artery's TLS connections,
   * a probe and its answer, the next round) 1.6 to 2.1 s after its cluster extension starts (the
   * upgrade test); this leaves room for a slower host.
   */
  public static final Duration PEERS_ANSWER_WITHIN = Duration.ofSeconds(5);

  private final long startedNanos = System.nanoTime();
  private final long settleNanos;
  private volatile boolean joining;
  private volatile boolean apart;

  /** {@code settle}: how long after start the bootstrap has heard its peers if they are there. */
  public JoinProgress(Duration settle) {
    this.settleNanos = settle.toNanos();
  }

  void joining() {
    joining = true;
  }

  void apart() {
    apart = true;
  }

  /**
   * Whether this server is on its way into a cluster that will be Up: it has asked to join one (a
   * formed DC, or one it forms with {@code bootstrap-expect} servers present), or it started so
   * recently that it cannot have heard its peers yet. False once it is in a cluster apart from its
   * DC's, which only a restart ends.
   */
  public boolean upSoon() {
    return !apart && (joining || System.nanoTime() - startedNanos < settleNanos);
  }
}

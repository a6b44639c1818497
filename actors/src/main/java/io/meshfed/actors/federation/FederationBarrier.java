package io.meshfed.actors.federation;

/**
 * The feature barrier as the federation routines need it (docs/architecture.md, "Federation-state flow"):
 * whether every server of this DC and of the primary supports federation states, and the sticky latch that
 * anti-entropy sets when the store already holds federation states (PR #9519), so a restarted server does not
 * wait for the WAN tags again. The WAN-tag side is implemented elsewhere.
 */
public interface FederationBarrier {
  /** True once the barrier has passed; once true, stays true for the process lifetime. */
  boolean passed();

  /** Latches the barrier open (idempotent). */
  void latch();
}

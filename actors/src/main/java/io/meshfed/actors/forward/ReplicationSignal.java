package io.meshfed.actors.forward;

/**
 * How federation-state replication on a secondary's leader tells this server's gateway locator
 * whether the route to the primary works: the outcome of each replication
 * round is the health probe of that route. Only the server that hosts the leader gets the calls.
 */
public interface ReplicationSignal {
  /** Replication started here: the locator starts using the signal, from a clean slate. */
  void replicationStarted();

  /** One replication round ended; {@code error} is null on success. */
  void replicationResult(Throwable error);

  /** Replication stopped here (leadership lost): the locator stops using the signal. */
  void replicationStopped();
}

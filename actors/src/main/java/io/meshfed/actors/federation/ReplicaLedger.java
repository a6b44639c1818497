package io.meshfed.actors.federation;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.cluster.ddata.Key;
import org.apache.pekko.cluster.ddata.LWWMap;
import org.apache.pekko.cluster.ddata.LWWMapKey;
import org.apache.pekko.cluster.ddata.SelfUniqueAddress;
import org.apache.pekko.cluster.ddata.typed.javadsl.DistributedData;
import org.apache.pekko.cluster.ddata.typed.javadsl.Replicator;

/**
 * The primary's record of where each secondary stands: the last {@link ReplicaReport} each sent
 * with a replication read. A secondary's reads reach whichever server of the primary its dial
 * picks, so the record is shared by the DC's servers through Pekko Distributed Data (a
 * last-writer-wins map, written locally and gossiped within the LAN cluster in about a second),
 * and any server of the primary answers from its own replica. It lives in memory only: it is
 * progress, not state, and a secondary reads again at least once per replication wait (30 s), so
 * after every server of the primary has restarted a DC is "unknown" for that long at most.
 */
public final class ReplicaLedger {
  private static final Key<LWWMap<String, ReplicaProgress>> KEY = LWWMapKey.create("meshfed-replica-progress");
  private static final Duration READ_TIMEOUT = Duration.ofSeconds(5);

  private final ActorSystem<?> system;
  private final ActorRef<Replicator.Command> replicator;
  private final SelfUniqueAddress self;
  private final String node;

  /** @param node this server's node name, recorded as the one that heard a report */
  public ReplicaLedger(ActorSystem<?> system, String node) {
    this.system = system;
    DistributedData data = DistributedData.get(system);
    this.replicator = data.replicator();
    this.self = data.selfUniqueAddress();
    this.node = node;
  }

  /** Records a report this server has just heard; never waits. */
  public void record(ReplicaReport report, Instant heardAt) {
    ReplicaProgress progress = new ReplicaProgress(report, heardAt.toEpochMilli(), node);
    replicator.tell(new Replicator.Update<>(KEY, LWWMap.create(), Replicator.writeLocal(), system.ignoreRef(),
        map -> map.put(self, report.datacenter(), progress)));
  }

  /** Every secondary's last report this server's replica holds, by DC. */
  public CompletionStage<Map<String, ReplicaProgress>> all() {
    return AskPattern.<Replicator.Command, Replicator.GetResponse<LWWMap<String, ReplicaProgress>>>ask(replicator,
        replyTo -> new Replicator.Get<>(KEY, Replicator.readLocal(), replyTo), READ_TIMEOUT, system.scheduler())
        .thenApply(response -> {
          if (response instanceof Replicator.GetSuccess<LWWMap<String, ReplicaProgress>> found) {
            return Map.copyOf(found.get(KEY).getEntries());
          }
          if (response instanceof Replicator.NotFound<LWWMap<String, ReplicaProgress>>) {
            return Map.of();
          }
          throw new IllegalStateException("reading the replicas' progress failed: " + response);
        });
  }
}

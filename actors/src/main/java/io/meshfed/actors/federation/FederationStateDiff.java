package io.meshfed.actors.federation;

import io.meshfed.protocol.model.FederationState;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Consul's {@code DiffRemoteAndLocalState} for federation states: both lists sorted
 * by datacenter and merge-walked. A DC in both is updated iff the remote record's modify index is
 * above {@code lastRemoteIndex} (with 0 every common record is rewritten: a full sync); a local-only
 * DC is deleted; a remote-only DC is written. Content is not compared: the index says it changed.
 */
final class FederationStateDiff {
  record Result(List<FederationState> deletions, List<FederationState> updates) {
    boolean isEmpty() {
      return deletions.isEmpty() && updates.isEmpty();
    }
  }

  private static final Comparator<FederationState> BY_DC = Comparator.comparing(FederationState::datacenter);

  private FederationStateDiff() {}

  static Result diff(List<FederationState> local, List<FederationState> remote, long lastRemoteIndex) {
    List<FederationState> l = new ArrayList<>(local);
    List<FederationState> r = new ArrayList<>(remote);
    l.sort(BY_DC);
    r.sort(BY_DC);
    List<FederationState> deletions = new ArrayList<>();
    List<FederationState> updates = new ArrayList<>();
    int i = 0;
    int j = 0;
    while (i < l.size() && j < r.size()) {
      int c = l.get(i).datacenter().compareTo(r.get(j).datacenter());
      if (c == 0) {
        if (r.get(j).modifyIndex() > lastRemoteIndex) {
          updates.add(asReplica(r.get(j)));
        }
        i++;
        j++;
      } else if (c < 0) {
        deletions.add(l.get(i++));
      } else {
        updates.add(asReplica(r.get(j++)));
      }
    }
    while (i < l.size()) {
      deletions.add(l.get(i++));
    }
    while (j < r.size()) {
      updates.add(asReplica(r.get(j++)));
    }
    return new Result(deletions, updates);
  }

  /** The copy written locally keeps the primary's modify index (the local store sets its own). */
  private static FederationState asReplica(FederationState remote) {
    return remote.withIndexes(remote.modifyIndex(), remote.createIndex(), remote.modifyIndex());
  }
}

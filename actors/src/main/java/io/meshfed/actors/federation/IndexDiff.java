package io.meshfed.actors.federation;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Consul's {@code DiffRemoteAndLocalState}, for any replicated table: both lists sorted by key and
 * merge-walked. A record in both is updated iff the remote one's modify index is above
 * {@code lastRemoteIndex} (with 0 every common record is rewritten: a full sync), or the local copy says it
 * was made from another version of the primary's record ({@link RecordKind#primaryIndexOfCopy}); a local-only record
 * is deleted; a remote-only record is written. Content is not compared: the index says it changed.
 */
final class IndexDiff {
  record Result<R>(List<R> deletions, List<R> updates) {
    boolean isEmpty() {
      return deletions.isEmpty() && updates.isEmpty();
    }
  }

  private IndexDiff() {}

  static <R> Result<R> diff(RecordKind<R> kind, List<R> local, List<R> remote, long lastRemoteIndex) {
    Comparator<R> byKey = Comparator.comparing(kind::key);
    List<R> l = new ArrayList<>(local);
    List<R> r = new ArrayList<>(remote);
    l.sort(byKey);
    r.sort(byKey);
    List<R> deletions = new ArrayList<>();
    List<R> updates = new ArrayList<>();
    int i = 0;
    int j = 0;
    while (i < l.size() && j < r.size()) {
      int c = kind.key(l.get(i)).compareTo(kind.key(r.get(j)));
      if (c == 0) {
        long copyOf = kind.primaryIndexOfCopy(l.get(i));
        long remoteIndex = kind.modifyIndex(r.get(j));
        if (remoteIndex > lastRemoteIndex || (copyOf >= 0 && copyOf != remoteIndex)) {
          updates.add(kind.asReplica(r.get(j)));
        }
        i++;
        j++;
      } else if (c < 0) {
        deletions.add(l.get(i++));
      } else {
        updates.add(kind.asReplica(r.get(j++)));
      }
    }
    while (i < l.size()) {
      deletions.add(l.get(i++));
    }
    while (j < r.size()) {
      updates.add(kind.asReplica(r.get(j++)));
    }
    return new Result<>(deletions, updates);
  }
}

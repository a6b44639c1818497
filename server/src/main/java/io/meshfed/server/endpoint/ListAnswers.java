package io.meshfed.server.endpoint;

import io.meshfed.persistence.store.DcStore;
import io.meshfed.protocol.model.FederationState;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;

/**
 * The serialized answer to {@code FederationState.List}, made once per version of the list. After
 * each change every secondary's replication read asks the primary for the same list; converting it
 * to protobuf and encoding it for each of them was most of the primary's CPU per change in a
 * 25-DC federation (docs/benchmarks.md, "25 DCs"). The answer is reused only for a list equal to
 * the one it was made from (with the same index and ACL flag), so a store that moved or was
 * restored never gets another list's bytes. The arrays are shared: nothing may write to them.
 */
final class ListAnswers {
  private record Entry(long index, boolean filtered, List<FederationState> states, byte[] bytes) {}

  private final AtomicReference<Entry> last = new AtomicReference<>();
  private final LongAdder encoded = new LongAdder();

  byte[] bytes(DcStore.QueryResult<List<FederationState>> r) {
    Entry e = last.get();
    if (e != null && e.index() == r.index() && e.filtered() == r.filteredByAcls() && e.states().equals(r.value())) {
      return e.bytes();
    }
    byte[] bytes = Protos.listResponse(r).toByteArray();
    encoded.increment();
    // Two readers of a new version may both encode it; either entry is right.
    last.set(new Entry(r.index(), r.filteredByAcls(), r.value(), bytes));
    return bytes;
  }

  /** How many times a list was encoded (for tests). */
  long encoded() {
    return encoded.sum();
  }
}

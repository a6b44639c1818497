package io.meshfed.transport.port;

import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntSupplier;

/** Counters of one server port, safe to read from any thread. */
public final class ServerPortStats {
  private final Map<RefusalReason, AtomicLong> refused = new EnumMap<>(RefusalReason.class);
  private final AtomicLong dispatched = new AtomicLong();
  private final IntSupplier open;

  ServerPortStats(IntSupplier open) {
    this.open = open;
    for (RefusalReason reason : RefusalReason.values()) {
      refused.put(reason, new AtomicLong());
    }
  }

  /** Connections closed for this reason. */
  public long refused(RefusalReason reason) {
    return refused.get(reason).get();
  }

  public long refusedTotal() {
    return refused.values().stream().mapToLong(AtomicLong::get).sum();
  }

  /** Connections open now, what the port's connection limit counts. */
  public int openConnections() {
    return open.getAsInt();
  }

  /** Connections handed to a protocol handler. */
  public long dispatched() {
    return dispatched.get();
  }

  void countRefusal(RefusalReason reason) {
    refused.get(reason).incrementAndGet();
  }

  void countDispatch() {
    dispatched.incrementAndGet();
  }
}

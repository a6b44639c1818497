package io.meshfed.cli.logging;

import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The datacenter and node every line of this process names. A process runs one server or one
 * gateway, so they are the process's; when a second, different one starts in the same JVM (the
 * benchmarks' colocated DCs) a line can no longer say whose it is from the process alone, and the
 * fields are left out rather than wrong.
 */
public final class LogFields {
  private record Owner(String dc, String node) {}

  private static final Owner SEVERAL = new Owner(null, null);
  private final AtomicReference<Owner> owner = new AtomicReference<>();

  /** Names the process's server or gateway; a second, different one clears both. */
  public void claim(String dc, String node) {
    Owner mine = new Owner(dc, node);
    owner.updateAndGet(current -> current == null || current.equals(mine) ? mine : SEVERAL);
  }

  public Optional<String> dc() {
    Owner o = owner.get();
    return o == null ? Optional.empty() : Optional.ofNullable(o.dc());
  }

  public Optional<String> node() {
    Owner o = owner.get();
    return o == null ? Optional.empty() : Optional.ofNullable(o.node());
  }
}

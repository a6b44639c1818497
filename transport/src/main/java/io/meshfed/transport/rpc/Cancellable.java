package io.meshfed.transport.rpc;

/** Stops work that nobody waits for any more. */
@FunctionalInterface
public interface Cancellable {
  void cancel();
}

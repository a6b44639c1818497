package io.meshfed.server.endpoint;

import io.meshfed.protocol.errors.ApiException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;

/** Helpers shared by the endpoints: a validation or ACL failure becomes a failed stage. */
final class Endpoints {
  private Endpoints() {}

  static <T> CompletionStage<T> guarded(Supplier<CompletionStage<T>> call) {
    try {
      return call.get();
    } catch (ApiException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  /** The catalog is served by its own DC only: another DC's catalog is not ours to write or read. */
  static void requireLocal(ServerIdentity self, String datacenter) {
    if (!self.servesLocally(datacenter)) {
      throw ApiException.noPathTo(datacenter);
    }
  }
}

package io.meshfed.protocol.errors;

import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/** The failure a caller means, under the wrappers that futures put around it. */
public final class Failures {
  private Failures() {}

  /** Strips {@link CompletionException} and {@link ExecutionException} layers that carry a cause. */
  public static Throwable unwrap(Throwable failure) {
    Throwable cause = failure;
    while ((cause instanceof CompletionException || cause instanceof ExecutionException) && cause.getCause() != null) {
      cause = cause.getCause();
    }
    return cause;
  }
}

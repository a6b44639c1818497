package io.meshfed.persistence.journal;

import io.meshfed.protocol.errors.Failures;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.persistence.jdbc.testkit.javadsl.SchemaUtils;

/** Creates the journal, snapshot and tag tables if they are missing. */
public final class JournalSchema {
  private static final String URL_PATH = "pekko-persistence-jdbc.shared-databases.slick.db.url";

  private JournalSchema() {}

  /**
   * Idempotent: safe on every start and from several servers at once. Fails with the database URL
   * and the cause, since a wrong URL or password is the usual reason.
   */
  public static CompletionStage<Done> ensure(ActorSystem<?> system) {
    String url = system.settings().config().hasPath(URL_PATH)
        ? system.settings().config().getString(URL_PATH) : "(no journal database configured)";
    CompletionStage<Done> created;
    try {
      created = SchemaUtils.createIfNotExists(system);
    } catch (RuntimeException e) {
      created = CompletableFuture.failedStage(e);
    }
    return created.exceptionallyCompose(e -> CompletableFuture.failedStage(failure(url, e)));
  }

  private static IllegalStateException failure(String url, Throwable e) {
    Throwable cause = Failures.unwrap(e);
    return new IllegalStateException(
        "cannot create the journal schema on " + url + ": " + cause.getMessage(), cause);
  }
}

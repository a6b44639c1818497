package io.meshfed.persistence.store;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.meshfed.persistence.journal.JournalSettings;

/** The same contract on PostgreSQL; skipped unless the test database is provisioned. */
class DcStorePostgresTest extends DcStoreContract {

  @Override
  JournalSettings journal() {
    return postgresOrSkip();
  }

  static JournalSettings postgresOrSkip() {
    String url = System.getenv("MESHFED_TEST_PG_URL");
    assumeTrue(url != null && !url.isEmpty(),
        "PostgreSQL not provisioned (set MESHFED_TEST_PG_URL; bin/test does)");
    return JournalSettings.postgres(url, System.getenv("MESHFED_TEST_PG_USER"),
        System.getenv("MESHFED_TEST_PG_PASSWORD"));
  }
}

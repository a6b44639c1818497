package io.meshfed.it;

import com.typesafe.config.ConfigUtil;
import java.util.Optional;

/** The PostgreSQL bin/test provisions, named by MESHFED_TEST_PG_URL (and _USER, _PASSWORD). */
record TestPostgres(String url, String user, String password) {
  /** The provisioned database; skips the calling test without one ({@link Prerequisites}). */
  static TestPostgres require(String test) {
    String url = System.getenv("MESHFED_TEST_PG_URL");
    Prerequisites.require(url == null ? Optional.of("PostgreSQL is not provisioned (MESHFED_TEST_PG_URL is unset;"
        + " bin/test sets it)") : Optional.empty(), test);
    return new TestPostgres(url, System.getenv().getOrDefault("MESHFED_TEST_PG_USER", "meshfed"),
        System.getenv().getOrDefault("MESHFED_TEST_PG_PASSWORD", "meshfed"));
  }

  /** A server's {@code persistence} block for this database (inside {@code meshfed { }}). */
  String persistenceConfig() {
    return "persistence { journal = postgres, postgres { url = %s, user = %s, password = %s } }".formatted(
        ConfigUtil.quoteString(url), ConfigUtil.quoteString(user), ConfigUtil.quoteString(password));
  }
}

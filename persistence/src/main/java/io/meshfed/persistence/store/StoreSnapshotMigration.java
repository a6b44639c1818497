package io.meshfed.persistence.store;

import com.fasterxml.jackson.databind.JsonNode;
import org.apache.pekko.serialization.jackson.JacksonMigration;

/**
 * Reads snapshots of format 1, a serialized {@link StoreState} (manifest
 * {@code io.meshfed.persistence.store.StoreState}), as {@link StoreSnapshot}: the JSON is the same,
 * only the class is new. Configured under {@code pekko.serialization.jackson.migrations} for the old
 * class name; the version is 2 because the serializer renames only entries older than it.
 */
final class StoreSnapshotMigration extends JacksonMigration {

  @Override
  public int currentVersion() {
    return 2;
  }

  @Override
  public String transformClassName(int fromVersion, String className) {
    return StoreSnapshot.class.getName();
  }

  @Override
  public JsonNode transform(int fromVersion, JsonNode json) {
    return json;
  }
}

package io.meshfed.persistence.store;

import io.meshfed.persistence.journal.JournalSettings;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

class DcStoreH2Test extends DcStoreContract {
  @TempDir static Path dataDir;

  @Override
  JournalSettings journal() {
    return JournalSettings.h2(dataDir);
  }
}

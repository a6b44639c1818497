package io.meshfed.persistence.store;

import static io.meshfed.persistence.store.Fixtures.federationState;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** What a restore does to the state and its indexes, whichever of the two histories is longer. */
class StoreRestoredTest {

  @Test
  void theIndexNeverGoesBackAndEveryTableIsWrittenAtIt() {
    StoreState longer = StoreState.EMPTY;
    for (int i = 0; i < 5; i++) {
      longer = longer.withFederationState(federationState("dc" + i));
    }
    StoreState shorter = StoreState.EMPTY.withFederationState(federationState("old"));
    assertThat(longer.index()).isEqualTo(6);
    assertThat(shorter.index()).isEqualTo(2);

    // An old snapshot into a journal that went further: the index goes on from the journal's.
    StoreState restored = new StoreEvent.StoreRestored(StoreSnapshot.of(shorter)).applyTo(longer);
    assertThat(restored.index()).isEqualTo(7);
    assertThat(restored.federationStates()).isEqualTo(shorter.federationStates());
    assertThat(restored.federationStateList().get(0).modifyIndex()).isEqualTo(2);
    assertThat(restored.federationStatesIndex()).isEqualTo(7);
    assertThat(restored.catalogIndex()).isEqualTo(7);
    assertThat(restored.acl().index()).isEqualTo(7);

    // A snapshot into an empty journal: the index goes on from the snapshot's.
    StoreState fresh = new StoreEvent.StoreRestored(StoreSnapshot.of(longer)).applyTo(StoreState.EMPTY);
    assertThat(fresh.index()).isEqualTo(7);
    assertThat(fresh.federationStateList()).isEqualTo(longer.federationStateList());
  }
}

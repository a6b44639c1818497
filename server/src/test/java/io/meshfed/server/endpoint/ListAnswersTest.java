package io.meshfed.server.endpoint;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshfed.persistence.store.DcStore;
import io.meshfed.protocol.model.FederationState;
import io.meshfed.protocol.v1.ListFederationStatesResponse;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ListAnswersTest {
  private static final Instant AT = Instant.parse("2026-12-03T10:00:00Z");

  private static List<FederationState> states(String... dcs) {
    List<FederationState> out = new ArrayList<>();
    for (String dc : dcs) {
      out.add(new FederationState(dc, List.of(), AT, 0, 1, 1));
    }
    return out;
  }

  @Test
  void theSameListIsEncodedOnceAndADifferentOneAgain() throws Exception {
    ListAnswers answers = new ListAnswers();
    byte[] first = answers.bytes(new DcStore.FederationStatesResult(7, states("dc1", "dc2")));
    // Every secondary's read of the same version: a new list object, equal content.
    byte[] again = answers.bytes(new DcStore.FederationStatesResult(7, states("dc1", "dc2")));
    assertThat(again).isSameAs(first);
    assertThat(answers.encoded()).isEqualTo(1);
    assertThat(ListFederationStatesResponse.parseFrom(first).getMeta().getIndex()).isEqualTo(7);

    byte[] next = answers.bytes(new DcStore.FederationStatesResult(8, states("dc1", "dc2", "dc3")));
    assertThat(ListFederationStatesResponse.parseFrom(next).getStatesCount()).isEqualTo(3);
    // The same index with other content (a store restored from elsewhere) is never answered from the cache.
    byte[] restored = answers.bytes(new DcStore.FederationStatesResult(8, states("dc9")));
    assertThat(ListFederationStatesResponse.parseFrom(restored).getStates(0).getDatacenter()).isEqualTo("dc9");
    assertThat(answers.encoded()).isEqualTo(3);
    assertThat(restored).isEqualTo(Protos.listResponse(new DcStore.FederationStatesResult(8, states("dc9"))).toByteArray());
  }
}

package io.meshfed.server.endpoint;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class InternalRpcCallsTest {
  @Test
  void callsAreCountedByMethodAndSourceDatacenter() {
    InternalRpcCalls calls = new InternalRpcCalls();
    calls.served(FederationStateEndpoint.LIST, "dc2");
    calls.served(FederationStateEndpoint.LIST, "dc2");
    calls.served(FederationStateEndpoint.APPLY, "dc2");
    calls.served(FederationStateEndpoint.LIST, "dc3");

    assertThat(calls.count(FederationStateEndpoint.LIST, "dc2")).isEqualTo(2);
    assertThat(calls.count(FederationStateEndpoint.APPLY, "dc2")).isEqualTo(1);
    assertThat(calls.count(FederationStateEndpoint.APPLY, "dc3")).isZero();
    assertThat(calls.prometheus()).isEqualTo("""
        # HELP meshfed_internal_rpc_calls_total internal RPC calls this server served, by method and the \
        datacenter that sent them
        # TYPE meshfed_internal_rpc_calls_total counter
        meshfed_internal_rpc_calls_total{method="FederationState.Apply",dc="dc2"} 1
        meshfed_internal_rpc_calls_total{method="FederationState.List",dc="dc2"} 2
        meshfed_internal_rpc_calls_total{method="FederationState.List",dc="dc3"} 1
        """);
  }

  /** The source is the caller's word: it must not break the exposition format or grow the metric without bound. */
  @Test
  void aSourceThatIsNotADatacenterNameOrOneTooManyIsNotALabel() {
    InternalRpcCalls calls = new InternalRpcCalls();
    calls.served(FederationStateEndpoint.LIST, "");
    calls.served(FederationStateEndpoint.LIST, "dc\"} 1\nmeshfed_fake 1");
    calls.served(FederationStateEndpoint.LIST, "DC2");
    assertThat(calls.count(FederationStateEndpoint.LIST, InternalRpcCalls.UNKNOWN)).isEqualTo(3);

    for (int i = 0; i < InternalRpcCalls.MAX_DATACENTERS + 10; i++) {
      calls.served(FederationStateEndpoint.APPLY, "dc" + i);
    }
    calls.served(FederationStateEndpoint.APPLY, "dc0");
    assertThat(calls.count(FederationStateEndpoint.APPLY, "dc0")).isEqualTo(2);
    assertThat(calls.count(FederationStateEndpoint.APPLY, InternalRpcCalls.OTHER)).isEqualTo(10);
    assertThat(calls.prometheus().lines().filter(l -> l.startsWith("meshfed_internal_rpc_calls_total{")))
        .hasSize(InternalRpcCalls.MAX_DATACENTERS + 2).allMatch(l -> l.matches(
            "meshfed_internal_rpc_calls_total\\{method=\"[A-Za-z.]+\",dc=\"[a-z0-9_-]+\"} \\d+"));
  }
}

package io.meshfed.server.api.http;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import io.meshfed.protocol.errors.ApiException;
import io.meshfed.protocol.model.AclToken;
import io.meshfed.protocol.model.FederationState;
import io.meshfed.protocol.model.HealthCheck;
import io.meshfed.protocol.model.Node;
import io.meshfed.protocol.model.NodeService;
import io.meshfed.protocol.model.Quote;
import io.meshfed.server.endpoint.AclEndpoint;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/** Request and response bodies of the HTTP API, in Consul's JSON shapes where Consul has one. */
final class HttpBodies {
  private HttpBodies() {}

  /** {@code GET /v1/internal/federation-state/<dc>}: Consul's FederationStateResponse. */
  record FederationStateResponse(
      @JsonProperty("State") FederationState state,
      @JsonProperty("Index") long index,
      @JsonProperty("KnownLeader") boolean knownLeader) {}

  /** {@code PUT /v1/internal/federation-state}: Consul's FederationStateRequest. */
  @JsonIgnoreProperties(ignoreUnknown = true)
  record FederationStateRequest(
      @JsonProperty("Op") String op,
      @JsonProperty("State") FederationState state) {}

  /** A token's policy as Consul's JSON names it; meshfed's policies are named, so {@code Name} is required. */
  @JsonIgnoreProperties(ignoreUnknown = true)
  @JsonInclude(JsonInclude.Include.NON_NULL)
  record PolicyLink(@JsonProperty("Name") String name, @JsonProperty("ID") String id) {}

  /** {@code PUT /v1/acl/token[/ACCESSOR]}: Consul's ACLToken fields that a write may set. */
  @JsonIgnoreProperties(ignoreUnknown = true)
  record AclTokenRequest(
      @JsonProperty("AccessorID") String accessorId,
      @JsonProperty("SecretID") String secretId,
      @JsonProperty("Description") String description,
      @JsonProperty("Policies") List<PolicyLink> policies) {

    /** The write, for the token {@code accessor} of the path (empty: create). */
    AclEndpoint.TokenWrite toWrite(String accessor) {
      String given = accessorId == null ? "" : accessorId;
      if (!accessor.isEmpty() && !given.isEmpty() && !given.equals(accessor)) {
        throw ApiException.invalid("the token's AccessorID " + Quote.of(given) + " differs from the one in the path "
            + Quote.of(accessor));
      }
      if (accessor.isEmpty() && !given.isEmpty()) {
        throw ApiException.invalid("a new token gets its AccessorID from the server; update a token with "
            + "PUT /v1/acl/token/" + given);
      }
      List<String> names = new java.util.ArrayList<>();
      for (PolicyLink link : policies == null ? List.<PolicyLink>of() : policies) {
        if (link == null || link.name() == null || link.name().isEmpty()) {
          throw ApiException.invalid("Policies: name each policy, as {\"Name\": \"...\"}");
        }
        names.add(link.name());
      }
      return new AclEndpoint.TokenWrite(accessor, secretId, description, names);
    }
  }

  /** A token as the ACL API answers it: Consul's ACLToken shape, the secret only in the answer that created it. */
  record AclTokenBody(
      @JsonProperty("AccessorID") String accessorId,
      @JsonInclude(JsonInclude.Include.NON_EMPTY) @JsonProperty("SecretID") String secretId,
      @JsonProperty("Description") String description,
      @JsonProperty("Policies") List<PolicyLink> policies,
      @JsonProperty("CreateTime") Instant createTime,
      @JsonProperty("CreateIndex") long createIndex,
      @JsonProperty("ModifyIndex") long modifyIndex) {

    static AclTokenBody of(AclEndpoint.TokenAnswer a) {
      return of(a.token(), a.secretId());
    }

    static AclTokenBody of(AclToken t, String secretId) {
      return new AclTokenBody(t.accessorId(), secretId, t.description(),
          t.policies().stream().map(name -> new PolicyLink(name, null)).toList(), t.createTime(), t.createIndex(),
          t.modifyIndex());
    }
  }

  record WriteResponse(@JsonProperty("Index") long index, @JsonProperty("Applied") boolean applied) {}

  /** {@code PUT /v1/catalog/register}: Consul's RegisterRequest (flattened node fields). */
  @JsonIgnoreProperties(ignoreUnknown = true)
  record RegisterRequest(
      @JsonProperty("Node") String node,
      @JsonProperty("Address") String address,
      @JsonProperty("Datacenter") String datacenter,
      @JsonProperty("TaggedAddresses") Map<String, String> taggedAddresses,
      @JsonProperty("NodeMeta") Map<String, String> nodeMeta,
      @JsonProperty("Service") NodeService service,
      @JsonProperty("Check") HealthCheck check,
      @JsonProperty("Checks") List<HealthCheck> checks) {

    Node toNode() {
      return new Node(node, address, datacenter, taggedAddresses, nodeMeta);
    }

    List<HealthCheck> allChecks() {
      List<HealthCheck> all = new java.util.ArrayList<>();
      if (check != null) {
        all.add(check);
      }
      if (checks != null) {
        all.addAll(checks);
      }
      return all;
    }
  }

  /** {@code PUT /v1/catalog/deregister}: Consul's DeregisterRequest. */
  @JsonIgnoreProperties(ignoreUnknown = true)
  record DeregisterRequest(
      @JsonProperty("Node") String node,
      @JsonProperty("Datacenter") String datacenter,
      @JsonProperty("ServiceID") String serviceId,
      @JsonProperty("CheckID") String checkId) {}

  /** {@code PUT /v1/catalog/check-update}: meshfed's, sets one check's status. */
  @JsonIgnoreProperties(ignoreUnknown = true)
  record CheckUpdateRequest(
      @JsonProperty("Node") String node,
      @JsonProperty("CheckID") String checkId,
      @JsonProperty("Status") String status,
      @JsonProperty("Output") String output) {}

  /** One entry of {@code GET /v1/internal/federation-states/decommissioned}. */
  record Decommissioned(@JsonProperty("Datacenter") String datacenter,
      @JsonProperty("DecommissionedAt") String at) {
    static Decommissioned of(io.meshfed.persistence.store.DcStore.Decommissioned d) {
      return new Decommissioned(d.datacenter(), d.at().toString());
    }
  }

  /** The answer to {@code PUT /v1/agent/force-leave/NODE}: the member, left or pruned, and a line saying so. */
  record ForceLeft(@JsonProperty("Member") String member, @JsonProperty("Outcome") String outcome,
      @JsonProperty("Message") String message) {
    static ForceLeft of(io.meshfed.server.endpoint.OperatorEndpoint.ForceLeft f) {
      return new ForceLeft(f.member(), f.outcome(), f.message());
    }
  }

  /** {@code GET /v1/operator/routines}. */
  /** The answer to {@code PUT /v1/agent/reload}: what was put in force again, one line each. */
  record Reloaded(@JsonProperty("Reloaded") List<String> reloaded) {}

  record Routines(@JsonProperty("Leader") String leader, @JsonProperty("Routines") List<Routine> routines) {
    static Routines of(io.meshfed.actors.leader.Leader.RoutineReport report) {
      return new Routines(report.leaderNode(), report.routines().stream()
          .map(r -> new Routine(r.name(), r.running(), r.restarts(), r.lastError(), r.lastErrorAt(),
              report.details().getOrDefault(r.name(), Map.of()))).toList());
    }
  }

  /** {@code GET /v1/agent/gateway-locator}: the locator's decisions on this server. */
  record GatewayLocator(
      @JsonProperty("Populated") boolean populated,
      @JsonProperty("LocalGateways") List<String> local,
      @JsonProperty("PrimaryGateways") List<String> primary,
      @JsonProperty("FallbackPrimaryGateways") List<String> fallback,
      @JsonProperty("FailingProbes") List<String> failing,
      @JsonProperty("DialPrimaryThroughLocalGateways") boolean dialPrimaryThroughLocal,
      @JsonProperty("ReplicationSignalInUse") boolean replicationSignalInUse,
      @JsonProperty("ConsecutiveReplicationFailures") int consecutiveReplicationFailures) {
    static GatewayLocator of(io.meshfed.actors.locator.GatewayLocatorView.Snapshot s) {
      return new GatewayLocator(s.populated(), s.local(), s.primary(), s.fallback(), s.failing(),
          s.dialPrimaryThroughLocal(), s.replicationSignalInUse(), s.consecutiveReplicationFailures());
    }
  }

  /** {@code GET /v1/internal/federation-states/rollout}. */
  record GatewayRollout(
      @JsonProperty("Primary") String primary,
      @JsonProperty("PrimaryStateIndex") long primaryStateIndex,
      @JsonProperty("Gateways") List<Gateway> gateways,
      @JsonProperty("Datacenters") List<Datacenter> datacenters,
      @JsonProperty("Complete") boolean complete,
      @JsonProperty("Removal") @JsonInclude(JsonInclude.Include.NON_NULL) Removal removal) {

    record Gateway(@JsonProperty("Node") String node, @JsonProperty("Address") String address) {}

    record Datacenter(
        @JsonProperty("Datacenter") String datacenter,
        @JsonProperty("Status") String status,
        @JsonProperty("PrimaryStateIndex") long primaryStateIndex,
        @JsonProperty("Dials") List<Gateway> dials,
        @JsonProperty("OldGateways") List<Gateway> oldGateways,
        @JsonProperty("LastRead") java.time.Instant lastRead,
        @JsonProperty("HeardBy") String heardBy,
        @JsonProperty("Reason") String reason) {}

    record Removal(
        @JsonProperty("Remove") List<String> remove,
        @JsonProperty("Safe") boolean safe,
        @JsonProperty("Lagging") List<String> lagging,
        @JsonProperty("Message") String message) {}

    static GatewayRollout of(io.meshfed.actors.federation.GatewayRollout r) {
      return new GatewayRollout(r.primary(), r.primaryStateIndex(), gateways(r.gateways()),
          r.datacenters().stream().map(d -> new Datacenter(d.datacenter(), d.status().wireName(),
              d.primaryStateIndex(), gateways(d.dials()), gateways(d.oldGateways()), d.lastRead(), d.heardBy(),
              d.reason())).toList(),
          r.complete(), r.removal().map(m -> new Removal(m.remove(), m.safe(), m.lagging(), m.message())).orElse(null));
    }

    private static List<Gateway> gateways(List<io.meshfed.actors.federation.GatewayRef> refs) {
      return refs.stream().map(g -> new Gateway(g.node(), g.address())).toList();
    }
  }

  record Routine(
      @JsonProperty("Name") String name,
      @JsonProperty("Running") boolean running,
      @JsonProperty("Restarts") int restarts,
      @JsonProperty("LastError") String lastError,
      @JsonProperty("LastErrorAt") java.time.Instant lastErrorAt,
      @JsonProperty("Details") Map<String, String> details) {}

  /** {@code GET /v1/catalog/service/<name>}: Consul's flattened ServiceNode. */
  record ServiceNode(
      @JsonProperty("Node") String node,
      @JsonProperty("Address") String address,
      @JsonProperty("Datacenter") String datacenter,
      @JsonProperty("TaggedAddresses") Map<String, String> taggedAddresses,
      @JsonProperty("NodeMeta") Map<String, String> nodeMeta,
      @JsonProperty("ServiceKind") String serviceKind,
      @JsonProperty("ServiceID") String serviceId,
      @JsonProperty("ServiceName") String serviceName,
      @JsonProperty("ServiceTags") List<String> serviceTags,
      @JsonProperty("ServiceAddress") String serviceAddress,
      @JsonProperty("ServicePort") int servicePort,
      @JsonProperty("ServiceMeta") Map<String, String> serviceMeta,
      @JsonProperty("ServiceTaggedAddresses") Map<String, io.meshfed.protocol.model.ServiceAddress> serviceTaggedAddresses) {

    static ServiceNode of(io.meshfed.protocol.model.CheckServiceNode csn) {
      Node n = csn.node();
      NodeService s = csn.service();
      return new ServiceNode(n.node(), n.address(), n.datacenter(), n.taggedAddresses(), n.meta(), s.kind(), s.id(),
          s.service(), s.tags(), s.address(), s.port(), s.meta(), s.taggedAddresses());
    }
  }
}

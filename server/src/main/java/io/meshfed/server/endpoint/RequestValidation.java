package io.meshfed.server.endpoint;

import io.meshfed.actors.federation.GatewayRef;
import io.meshfed.actors.federation.ReplicaReport;
import io.meshfed.actors.store.QueryOptions;
import io.meshfed.protocol.errors.ApiException;
import io.meshfed.protocol.model.FederationState;
import io.meshfed.protocol.model.FederationStateOp;
import io.meshfed.protocol.model.HealthCheck;
import io.meshfed.protocol.model.Node;
import io.meshfed.protocol.model.NodeService;
import io.meshfed.protocol.model.Quote;
import io.meshfed.protocol.model.Validation;
import io.meshfed.protocol.names.Names;
import java.util.ArrayList;
import java.util.List;

/**
 * What the endpoints check before anything is stored, forwarded or dialled, whichever front (HTTP,
 * gRPC, internal RPC) the call came through. Each check throws {@link ApiException#invalid} with one
 * line, or returns the request as it is to be written. Federation-state and DC-name errors start
 * with "invalid request: ", catalog errors read as the store's, as they always have.
 */
final class RequestValidation {
  private RequestValidation() {}

  /** A catalog registration as it is written: checks with their outputs cut as Consul's agent does. */
  record Registration(Node node, NodeService service, List<HealthCheck> checks) {}

  static FederationStateOp federationStateOp(String op) {
    return FederationStateOp.parse(op)
        .orElseThrow(() -> ApiException.invalid("Invalid federation state operation: " + Quote.bare(op)));
  }

  /** An upsert's whole state, or a delete's datacenter. */
  static void federationState(FederationStateOp op, FederationState state) {
    if (state == null || state.datacenter().isEmpty()) {
      throw invalidRequest("missing federation state datacenter");
    }
    if (op == FederationStateOp.DELETE) {
      requireValidLookup(state.datacenter());
    } else {
      Validation.federationStateError(state).ifPresent(err -> {
        throw invalidRequest(err);
      });
    }
  }

  /** A registration served by {@code self}: its node's DC is this one. */
  static Registration registration(Node node, NodeService service, List<HealthCheck> checks, ServerIdentity self) {
    if (node == null || node.node().isEmpty()) {
      throw ApiException.invalid("Must provide node");
    }
    if (node.address().isEmpty()) {
      throw ApiException.invalid("Must provide address");
    }
    requireValidTarget(node.datacenter());
    Endpoints.requireLocal(self, node.datacenter());
    Node local = new Node(node.node(), node.address(), self.datacenter(), node.taggedAddresses(), node.meta());
    List<HealthCheck> truncated = new ArrayList<>();
    for (HealthCheck c : checks == null ? List.<HealthCheck>of() : checks) {
      truncated.add(c == null ? null : Validation.withTruncatedOutput(c));
    }
    Validation.registrationError(local, service, truncated).ifPresent(err -> {
      throw ApiException.invalid(err);
    });
    return new Registration(local, service, truncated);
  }

  /** A check update's output, cut as Consul's agent does. */
  static String checkOutput(String checkId, String output) {
    String truncated = Validation.truncatedOutput(output == null ? "" : output);
    Validation.checkOutputError(checkId, truncated).ifPresent(err -> {
      throw ApiException.invalid(err);
    });
    return truncated;
  }

  /**
   * A DC a call is sent to ({@code ?dc=}, {@code QueryOptions.datacenter}, {@code TargetDatacenter},
   * a registration's {@code Datacenter}): empty for this server's, otherwise a valid DC name, as it
   * becomes part of an SNI name when the call is forwarded.
   */
  static void requireValidTarget(String datacenter) {
    if (!datacenter.isEmpty()) {
      Names.datacenterError(datacenter).ifPresent(err -> {
        throw invalidRequest(err);
      });
    }
  }

  /**
   * A DC whose record is looked up (a read's or a delete's {@code Datacenter}): records are kept
   * under the lower-cased name, so any case is fine, and anything else that is no DC name is not.
   */
  static void requireValidLookup(String datacenter) {
    if (Names.datacenterError(Names.datacenterKey(datacenter)).isPresent()) {
      throw invalidRequest(Names.datacenterError(datacenter).orElseThrow());
    }
  }

  /** Longest node name or address a replica report or a rollout request may carry. */
  private static final int MAX_GATEWAY_TEXT = 256;

  /**
   * What a secondary's replication read reports: it comes from another DC, so it is bounded and its
   * DC must be a valid name other than this (the primary's) own.
   */
  static void replicaReport(ReplicaReport report, ServerIdentity self) {
    Names.datacenterError(report.datacenter()).ifPresent(err -> {
      throw invalidRequest("replica report: " + err);
    });
    if (report.datacenter().equals(self.datacenter())) {
      throw invalidRequest("replica report from " + Quote.of(report.datacenter()) + ", the primary itself");
    }
    if (report.gateways().size() > ReplicaReport.MAX_GATEWAYS) {
      throw invalidRequest("replica report names " + report.gateways().size() + " gateways, at most "
          + ReplicaReport.MAX_GATEWAYS + " are allowed");
    }
    for (GatewayRef g : report.gateways()) {
      if (g.node().length() > MAX_GATEWAY_TEXT || g.address().isEmpty() || g.address().length() > MAX_GATEWAY_TEXT) {
        throw invalidRequest("replica report: a gateway's node or address is empty or longer than "
            + MAX_GATEWAY_TEXT + " characters");
      }
    }
  }

  /** The gateways a rollout request names for removal: a few non-empty names or addresses. */
  static void gatewaysToRemove(List<String> remove, int max) {
    if (remove.size() > max) {
      throw invalidRequest("at most " + max + " gateways can be removed at once, got " + remove.size());
    }
    for (String name : remove) {
      if (name.isBlank() || name.length() > MAX_GATEWAY_TEXT) {
        throw invalidRequest("a gateway to remove must be a node name or host:port of at most "
            + MAX_GATEWAY_TEXT + " characters, got " + Quote.single(name.length() > 40 ? name.substring(0, 40) + "..." : name));
      }
    }
  }

  static ApiException invalidRequest(String problem) {
    return ApiException.invalid("invalid request: " + problem);
  }

  /** Before anything is read, forwarded or dialled: a DC the read can be sent to, an index not below 0. */
  static void requireValid(QueryOptions q) {
    if (q.minIndex() < 0) {
      throw ApiException.invalid("Invalid index: must not be negative");
    }
    requireValidTarget(q.datacenter());
  }
}

package io.meshfed.server.endpoint;

import io.meshfed.actors.store.QueryOptions;
import io.meshfed.actors.store.StoreClient;
import io.meshfed.persistence.store.DcStore;
import io.meshfed.persistence.store.DcStore.QueryResult;
import io.meshfed.persistence.store.DcStore.WriteResult;
import io.meshfed.protocol.model.CheckServiceNode;
import io.meshfed.protocol.model.HealthCheck;
import io.meshfed.protocol.model.Node;
import io.meshfed.protocol.model.NodeService;
import io.meshfed.protocol.model.Quote;
import io.meshfed.protocol.errors.ApiException;
import io.meshfed.server.acl.Access;
import io.meshfed.server.acl.Acl;
import io.meshfed.server.acl.Authorizer;
import java.util.List;
import java.util.concurrent.CompletionStage;

/** Catalog writes and reads of this DC (what gateways and anti-entropy need). */
public final class CatalogEndpoint {
  private final StoreClient store;
  private final ServerIdentity self;
  private final Acl acl;

  public CatalogEndpoint(StoreClient store, ServerIdentity self, Acl acl) {
    this.store = store;
    this.self = self;
    this.acl = acl;
  }

  /**
   * Registers a node, and optionally a service and checks; the node's DC defaults to this one.
   * Check outputs are cut to Consul's 4 KiB, as its agent does; everything else must be valid.
   */
  public CompletionStage<WriteResult> register(String token, Node node, NodeService service, List<HealthCheck> checks) {
    return Endpoints.guarded(() -> {
      Authorizer authz = acl.resolve(token);
      RequestValidation.Registration r = RequestValidation.registration(node, service, checks, self);
      // As Consul's catalog: node:write on the node, service:write on the service it registers.
      requireNodeWrite(authz, r.node().node());
      if (r.service() != null && !authz.service(r.service().service(), Access.WRITE)) {
        throw ApiException.permissionDenied("this token lacks service:write on " + Quote.of(r.service().service()));
      }
      return store.ask(reply -> new DcStore.RegisterCatalog(r.node(), r.service(), r.checks(), reply));
    });
  }

  public CompletionStage<WriteResult> deregister(String token, String datacenter, String node, String serviceId,
      String checkId) {
    return Endpoints.guarded(() -> {
      Authorizer authz = acl.resolve(token);
      if (node == null || node.isEmpty()) {
        throw ApiException.invalid("Must provide node");
      }
      requireNodeWrite(authz, node);
      RequestValidation.requireValidTarget(orEmpty(datacenter));
      Endpoints.requireLocal(self, orEmpty(datacenter));
      return store.ask(reply -> new DcStore.DeregisterCatalog(node, orEmpty(serviceId), orEmpty(checkId), reply));
    });
  }

  /** Sets a check's status and output; the output is cut to Consul's 4 KiB, as its agent does. */
  public CompletionStage<WriteResult> updateCheck(String token, String node, String checkId, String status,
      String output) {
    return Endpoints.guarded(() -> {
      Authorizer authz = acl.resolve(token);
      if (node == null || node.isEmpty() || checkId == null || checkId.isEmpty()) {
        throw ApiException.invalid("Must provide node and check ID");
      }
      requireNodeWrite(authz, node);
      String truncated = RequestValidation.checkOutput(checkId, output);
      return store.ask(reply -> new DcStore.UpdateCheck(node, checkId, orEmpty(status), truncated, reply));
    });
  }

  /** Instances of the service {@code name}, or of every service of {@code kind}, or all when both are empty. */
  public CompletionStage<QueryResult<List<CheckServiceNode>>> services(String token, String name, String kind,
      QueryOptions q) {
    return Endpoints.guarded(() -> {
      RequestValidation.requireValid(q);
      // As Consul's health endpoints: instances the token cannot read (node or service) are left out.
      Authorizer authz = acl.resolve(token);
      Endpoints.requireLocal(self, q.datacenter());
      return store.<QueryResult<List<CheckServiceNode>>>askBlocking(q, reply ->
          new DcStore.ListServices(orEmpty(name), orEmpty(kind), q.minIndex(), q.maxWait(), reply))
          .thenApply(r -> authz.filterServices(r));
    });
  }

  private static void requireNodeWrite(Authorizer authz, String node) {
    if (!authz.node(node, Access.WRITE)) {
      throw ApiException.permissionDenied("this token lacks node:write on " + Quote.of(node));
    }
  }

  private static String orEmpty(String s) {
    return s == null ? "" : s;
  }
}

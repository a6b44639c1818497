package io.meshfed.server.endpoint;

import io.meshfed.actors.federation.AclReplication;
import io.meshfed.actors.forward.RemoteDatacenters;
import io.meshfed.actors.store.QueryOptions;
import io.meshfed.actors.store.StoreClient;
import io.meshfed.persistence.store.DcStore;
import io.meshfed.persistence.store.DcStore.QueryResult;
import io.meshfed.persistence.store.DcStore.WriteResult;
import io.meshfed.protocol.errors.ApiException;
import io.meshfed.protocol.model.AclEntries;
import io.meshfed.protocol.model.AclPolicy;
import io.meshfed.protocol.model.AclToken;
import io.meshfed.protocol.model.AclValidation;
import io.meshfed.protocol.model.Quote;
import io.meshfed.protocol.v1.AclBootstrapRequest;
import io.meshfed.protocol.v1.AclDeleteResponse;
import io.meshfed.protocol.v1.DeleteAclPolicyRequest;
import io.meshfed.protocol.v1.DeleteAclTokenRequest;
import io.meshfed.protocol.v1.ListAclRequest;
import io.meshfed.protocol.v1.ListAclResponse;
import io.meshfed.protocol.v1.WriteAclPolicyRequest;
import io.meshfed.protocol.v1.WriteAclTokenRequest;
import io.meshfed.server.acl.Access;
import io.meshfed.server.acl.Acl;
import io.meshfed.server.acl.BuiltInPolicies;
import io.meshfed.server.acl.Rules;
import io.meshfed.server.acl.Secrets;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * ACL bootstrap, policies and tokens (docs/http-api.md, "ACLs"). Writes are served by the primary DC,
 * whose store holds the ACL table; a secondary forwards them there. Reads are served by the DC asked
 * (this one by default) from its store, which in a secondary is the replica. Managing ACLs needs
 * {@code acl:write} (reads {@code acl:read}), which only an explicit rule grants.
 */
public final class AclEndpoint {
  /** Internal RPC method names: the same endpoint serves them in the target DC. */
  public static final String BOOTSTRAP = "Acl.Bootstrap";
  public static final String WRITE_POLICY = "Acl.WritePolicy";
  public static final String DELETE_POLICY = "Acl.DeletePolicy";
  public static final String WRITE_TOKEN = "Acl.WriteToken";
  public static final String DELETE_TOKEN = "Acl.DeleteToken";
  public static final String LIST = "Acl.List";

  /** Consul's answer when ACLs are off. */
  public static final String DISABLED = "ACL support disabled";

  /** How long a write waits for this server to resolve the table it wrote, so that a new token works at once. */
  static final Duration VISIBLE_WITHIN = Duration.ofSeconds(5);

  /** A token to create ({@code accessorId} empty; {@code secretId} empty for a new one) or to update. */
  public record TokenWrite(String accessorId, String secretId, String description, List<String> policies) {
    public TokenWrite {
      accessorId = accessorId == null ? "" : accessorId;
      secretId = secretId == null ? "" : secretId;
      description = description == null ? "" : description;
      policies = policies == null ? List.of() : List.copyOf(policies);
    }
  }

  /** A token as an answer shows it: with its secret only when the call created it. */
  public record TokenAnswer(AclToken token, String secretId) {}

  private final StoreClient store;
  private final ServerIdentity self;
  private final Acl acl;
  private final Forwarder forwarder;

  public AclEndpoint(StoreClient store, ServerIdentity self, Acl acl, RemoteDatacenters remote) {
    this.store = store;
    this.self = self;
    this.acl = acl;
    this.forwarder = new Forwarder(remote, self.datacenter());
  }

  /**
   * Creates the first management token, once per federation; no token is needed (there is none
   * yet). The answer holds its secret: the only time it is shown.
   */
  public CompletionStage<TokenAnswer> bootstrap() {
    return Endpoints.guarded(() -> {
      requireEnabled();
      if (!self.isPrimary()) {
        return forwarder.call(self.primaryDatacenter(), BOOTSTRAP, null, AclBootstrapRequest.getDefaultInstance(),
            Forwarder.CALL_DEADLINE, io.meshfed.protocol.v1.AclToken.parser(), AclProtos::answer);
      }
      String secret = Secrets.newId();
      AclToken token = new AclToken(Secrets.newId(), Secrets.hash(secret), "Bootstrap Token (Global Management)",
          List.of(BuiltInPolicies.GLOBAL_MANAGEMENT), now(), 0, 0);
      return store.<WriteResult>ask(reply -> new DcStore.BootstrapAcl(token, reply))
          .thenCompose(w -> storedToken(token.accessorId(), w, secret));
    });
  }

  /** Creates the policy, or replaces the one of that name; its rules must parse. */
  public CompletionStage<AclPolicy> writePolicy(String token, AclPolicy policy) {
    return Endpoints.guarded(() -> {
      requireEnabled();
      if (policy == null) {
        throw ApiException.invalid("missing ACL policy");
      }
      if (BuiltInPolicies.ALL.containsKey(policy.name())) {
        throw ApiException.invalid("policy " + Quote.of(policy.name()) + " is built in and cannot be changed");
      }
      AclValidation.policyError(policy).ifPresent(e -> {
        throw ApiException.invalid(e);
      });
      try {
        Rules.parseJson(policy.rules());
      } catch (IllegalArgumentException e) {
        throw ApiException.invalid("policy " + Quote.of(policy.name()) + ": " + e.getMessage());
      }
      if (!self.isPrimary()) {
        return forwarder.call(self.primaryDatacenter(), WRITE_POLICY, token,
            WriteAclPolicyRequest.newBuilder().setPolicy(AclProtos.toProto(policy)).build(), Forwarder.CALL_DEADLINE,
            io.meshfed.protocol.v1.AclPolicy.parser(), AclProtos::fromProto);
      }
      acl.acl(token, Access.WRITE);
      AclPolicy toWrite = policy.withIndexes(0, 0);
      return store.<WriteResult>ask(reply -> new DcStore.ApplyAclPolicy(toWrite, reply))
          .thenCompose(w -> visible(w).thenCompose(done -> table()))
          .thenApply(t -> t.policies().stream().filter(p -> p.name().equals(policy.name())).findFirst()
              .orElseThrow(() -> new ApiException(ApiException.Code.UNAVAILABLE,
                  "policy " + Quote.of(policy.name()) + " was deleted while it was written; retry")));
    });
  }

  public CompletionStage<WriteResult> deletePolicy(String token, String name) {
    return Endpoints.guarded(() -> {
      requireEnabled();
      if (BuiltInPolicies.ALL.containsKey(name)) {
        throw ApiException.invalid("policy " + Quote.of(name) + " is built in and cannot be deleted");
      }
      if (!AclValidation.validPolicyName(name)) {
        throw ApiException.invalid("invalid policy name " + Quote.of(String.valueOf(name)));
      }
      if (!self.isPrimary()) {
        return forwarder.call(self.primaryDatacenter(), DELETE_POLICY, token,
            DeleteAclPolicyRequest.newBuilder().setName(name).build(), Forwarder.CALL_DEADLINE,
            AclDeleteResponse.parser(), r -> new WriteResult(r.getIndex(), r.getApplied()));
      }
      acl.acl(token, Access.WRITE);
      return store.<WriteResult>ask(reply -> new DcStore.DeleteAclPolicy(name, reply))
          .thenCompose(w -> visible(w).thenApply(done -> w));
    });
  }

  /**
   * Creates a token (empty accessor ID), with the caller's secret if it brings one (a UUID, for
   * tokens provisioned ahead of time) or a new one; or replaces an existing token's description
   * and policies (its secret never changes). Every policy named must exist.
   */
  public CompletionStage<TokenAnswer> writeToken(String token, TokenWrite write) {
    return Endpoints.guarded(() -> {
      requireEnabled();
      if (write == null) {
        throw ApiException.invalid("missing ACL token");
      }
      boolean create = write.accessorId().isEmpty();
      if (!create && !AclValidation.isUuid(write.accessorId())) {
        throw ApiException.invalid("invalid token accessor ID " + Quote.of(write.accessorId())
            + ": must be a lower-case UUID");
      }
      if (!write.secretId().isEmpty() && (!create || !AclValidation.isUuid(write.secretId()))) {
        throw ApiException.invalid(create ? "a token's secret must be a lower-case UUID"
            : "a token's secret cannot be changed; create a new token and delete this one");
      }
      if (!self.isPrimary()) {
        return forwarder.call(self.primaryDatacenter(), WRITE_TOKEN, token,
            WriteAclTokenRequest.newBuilder().setToken(AclProtos.toProto(write)).build(), Forwarder.CALL_DEADLINE,
            io.meshfed.protocol.v1.AclToken.parser(), AclProtos::answer);
      }
      acl.acl(token, Access.WRITE);
      return table().thenCompose(t -> {
        for (String name : write.policies()) {
          if (!Acl.policyExists(t, name)) {
            throw ApiException.invalid("ACL policy " + Quote.of(name) + " not found");
          }
        }
        String secret = create ? (write.secretId().isEmpty() ? Secrets.newId() : write.secretId()) : "";
        AclToken toWrite;
        if (create) {
          toWrite = new AclToken(Secrets.newId(), Secrets.hash(secret), write.description(), write.policies(), now(),
              0, 0);
        } else {
          AclToken existing = t.tokens().stream().filter(x -> x.accessorId().equals(write.accessorId())).findFirst()
              .orElseThrow(() -> new ApiException(ApiException.Code.NOT_FOUND,
                  "ACL token " + write.accessorId() + " not found"));
          toWrite = new AclToken(existing.accessorId(), existing.secretHash(), write.description(), write.policies(),
              existing.createTime(), 0, 0);
        }
        AclValidation.tokenError(toWrite).ifPresent(e -> {
          throw ApiException.invalid(e);
        });
        return store.<WriteResult>ask(reply -> new DcStore.ApplyAclToken(toWrite, reply))
            .thenCompose(w -> storedToken(toWrite.accessorId(), w, secret));
      });
    });
  }

  /** Deletes a token; not the one the request carries (Consul refuses that too). */
  public CompletionStage<WriteResult> deleteToken(String token, String accessorId) {
    return Endpoints.guarded(() -> {
      requireEnabled();
      if (!AclValidation.isUuid(accessorId)) {
        throw ApiException.invalid("invalid token accessor ID " + Quote.of(String.valueOf(accessorId))
            + ": must be a lower-case UUID");
      }
      if (!self.isPrimary()) {
        return forwarder.call(self.primaryDatacenter(), DELETE_TOKEN, token,
            DeleteAclTokenRequest.newBuilder().setAccessorId(accessorId).build(), Forwarder.CALL_DEADLINE,
            AclDeleteResponse.parser(), r -> new WriteResult(r.getIndex(), r.getApplied()));
      }
      acl.acl(token, Access.WRITE);
      if (acl.accessorOf(token).filter(accessorId::equals).isPresent()) {
        throw ApiException.invalid("Deletion of the request's authorization token is not permitted");
      }
      return store.<WriteResult>ask(reply -> new DcStore.DeleteAclToken(accessorId, reply))
          .thenCompose(w -> visible(w).thenApply(done -> w));
    });
  }

  /**
   * Every policy and token (a blocking read), served by {@code q.datacenter()}. Secret hashes are
   * left out unless {@code withHashes}, which replication asks for and which needs {@code acl:write}
   * (the replication token's right in Consul too).
   */
  public CompletionStage<QueryResult<AclEntries>> list(String token, QueryOptions q, boolean withHashes) {
    return Endpoints.guarded(() -> {
      requireEnabled();
      RequestValidation.requireValid(q);
      if (!self.servesLocally(q.datacenter())) {
        return forwarder.call(q.datacenter(), LIST, token, ListAclRequest.newBuilder()
                .setOptions(Protos.options(q)).setWithSecretHashes(withHashes).build(), Forwarder.deadline(q),
            ListAclResponse.parser(), AclProtos::fromProto);
      }
      acl.acl(token, withHashes ? Access.WRITE : Access.READ);
      return store.<QueryResult<AclEntries>>askBlocking(q, reply ->
              new DcStore.ListAcl(q.minIndex(), q.maxWait(), reply))
          .thenApply(r -> withHashes ? r : new DcStore.AclResult(r.index(), withoutHashes(r.value())));
    });
  }

  /** The primary's ACL table as a secondary's replication reads it: forwarded blocking queries, hashes included. */
  public AclReplication.PrimaryAcl primary(String primaryDatacenter) {
    return (token, minIndex, wait) -> list(token, new QueryOptions(primaryDatacenter, minIndex, wait), true);
  }

  private static AclEntries withoutHashes(AclEntries table) {
    return new AclEntries(table.bootstrapIndex(), table.policies(), table.tokens().stream()
        .map(t -> new AclToken(t.accessorId(), "", t.description(), t.policies(), t.createTime(), t.createIndex(),
            t.modifyIndex()))
        .toList());
  }

  /** Once this server resolves tokens from the table the write left; at once for a write that changed nothing. */
  private CompletionStage<Void> visible(WriteResult w) {
    return w.applied() ? acl.reached(w.index(), VISIBLE_WITHIN) : CompletableFuture.completedFuture(null);
  }

  /** The token as the write {@code w} left it, once this server resolves it. */
  private CompletionStage<TokenAnswer> storedToken(String accessorId, WriteResult w, String secret) {
    return visible(w).thenCompose(done -> table()).thenApply(t -> {
      Optional<AclToken> stored = t.tokens().stream().filter(x -> x.accessorId().equals(accessorId)).findFirst();
      AclToken found = stored.orElseThrow(() -> new ApiException(ApiException.Code.UNAVAILABLE,
          "token " + accessorId + " was deleted while it was written; retry"));
      return new TokenAnswer(new AclToken(found.accessorId(), "", found.description(), found.policies(),
          found.createTime(), found.createIndex(), found.modifyIndex()), secret);
    });
  }

  /** The local ACL table; it holds every write the store has answered (one actor answers both). */
  private CompletionStage<AclEntries> table() {
    return store.<QueryResult<AclEntries>>ask(reply -> new DcStore.ListAcl(0, Duration.ZERO, reply))
        .thenApply(QueryResult::value);
  }

  private void requireEnabled() {
    if (!acl.enabled()) {
      throw ApiException.invalid(DISABLED);
    }
  }

  private static Instant now() {
    return Instant.now().truncatedTo(ChronoUnit.MILLIS);
  }
}

package io.meshfed.server.acl;

import io.meshfed.persistence.store.DcStore;
import io.meshfed.protocol.errors.ApiException;
import io.meshfed.protocol.model.AclEntries;
import io.meshfed.protocol.model.AclPolicy;
import io.meshfed.protocol.model.AclToken;
import io.meshfed.server.config.ServerConfig;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;

/**
 * Decides whether a request's token may do what it asks (docs/configuration.md, "ACLs"). With
 * ACLs off everything is allowed. A request without a token is the anonymous token, which only
 * has the default policy; a token that is not known is refused whatever it asks.
 *
 * <p>Tokens come from two places: this server's configuration, and the DC's store (created through
 * the ACL API in the primary and replicated to every secondary), of which a watch keeps a copy here
 * ({@link #update}). Both are found by the SHA-256 of the secret a request presents; no secret is
 * held. A stored token carries stored policies and the built-in ones by name; a name that is
 * missing (a deleted policy) grants nothing.
 */
public final class Acl {
  private final boolean enabled;
  private final Access defaultPolicy;
  private final Authorizer anonymous;
  /** The configuration's tokens by secret hash; replaced whole by a reload. */
  private volatile Map<String, Authorizer> configured;
  private volatile String replicationToken;
  private volatile Stored stored = Stored.EMPTY;
  /** Callers waiting for the copy to reach an index; guarded by itself. */
  private final List<Waiter> waiters = new ArrayList<>();

  /** The store's ACL table as this server resolves it. */
  private record Stored(long index, Map<String, AclToken> byHash, Map<String, Authorizer> authorizers) {
    static final Stored EMPTY = new Stored(0, Map.of(), Map.of());
  }

  private record Waiter(long index, CompletableFuture<Void> reached) {}

  public Acl(ServerConfig.Acl settings) {
    this.enabled = settings.enabled();
    this.defaultPolicy = settings.defaultPolicy();
    this.anonymous = Authorizer.of(List.of(), settings.defaultPolicy());
    reload(settings);
  }

  /**
   * Puts in force the tokens of {@code settings} as a reload read them again (their files); the rest
   * of the settings (on, default policy, policies) comes from the configuration file, which a reload
   * does not read.
   */
  public void reload(ServerConfig.Acl settings) {
    Map<String, Authorizer> tokens = new HashMap<>();
    settings.tokens().forEach(t -> tokens.put(Secrets.hash(t.secret()), Authorizer.of(
        t.policies().stream().map(name -> settings.policies().get(name)).toList(), settings.defaultPolicy())));
    configured = Map.copyOf(tokens);
    replicationToken = settings.replicationToken();
  }

  /** The token a secondary's leader presents to the primary; read per call, so a reload applies at once. */
  public String replicationToken() {
    return replicationToken;
  }

  public boolean enabled() {
    return enabled;
  }

  /**
   * What {@code token} may do.
   *
   * @throws ApiException permission denied for a token this server does not know
   */
  public Authorizer resolve(String token) {
    Authorizer found = find(token);
    if (found == null) {
      throw ApiException.permissionDenied("ACL not found");
    }
    return found;
  }

  /** Throws a permission-denied {@link ApiException} unless {@code token} grants {@code needed} on operator. */
  public void operator(String token, Access needed) {
    if (!resolve(token).operator(needed)) {
      throw ApiException.permissionDenied("this token lacks operator:" + needed.text());
    }
  }

  /** Throws a permission-denied {@link ApiException} unless {@code token} grants {@code needed} on acl. */
  public void acl(String token, Access needed) {
    if (!resolve(token).acl(needed)) {
      throw ApiException.permissionDenied("this token lacks acl:" + needed.text());
    }
  }

  /** Whether {@code token} is known, or absent (the anonymous token): what a read needs before the endpoint decides. */
  public boolean known(String token) {
    return find(token) != null;
  }

  /** Whether {@code token} is known (or anonymous) and could do some call that needs {@code needed}. */
  public boolean mayDo(String token, Access needed) {
    Authorizer found = find(token);
    return found != null && found.mayDo(needed);
  }

  /** The accessor ID of the stored token {@code token} is the secret of, if it is one. */
  public Optional<String> accessorOf(String token) {
    if (token == null || token.isEmpty()) {
      return Optional.empty();
    }
    return Optional.ofNullable(stored.byHash().get(Secrets.hash(token))).map(AclToken::accessorId);
  }

  /** The names a stored token may carry: stored policies and the built-in ones. */
  public static boolean policyExists(AclEntries table, String name) {
    return BuiltInPolicies.ALL.containsKey(name) || table.policies().stream().anyMatch(p -> p.name().equals(name));
  }

  /** The store's ACL table changed: resolve from this copy from now on. Called by the table's watch. */
  public void update(DcStore.QueryResult<AclEntries> table) {
    Map<String, Rules> rules = new HashMap<>(BuiltInPolicies.ALL);
    for (AclPolicy p : table.value().policies()) {
      try {
        rules.put(p.name(), Rules.parseJson(p.rules()));
      } catch (IllegalArgumentException unreadable) {
        // Checked when written; a policy this version cannot read (a newer primary's) grants nothing.
        rules.put(p.name(), Rules.parse(Map.of()));
      }
    }
    Map<String, AclToken> byHash = new HashMap<>();
    Map<String, Authorizer> authorizers = new HashMap<>();
    for (AclToken t : table.value().tokens()) {
      byHash.put(t.secretHash(), t);
      authorizers.put(t.secretHash(), Authorizer.of(
          t.policies().stream().filter(rules::containsKey).map(rules::get).toList(), defaultPolicy));
    }
    stored = new Stored(table.index(), Map.copyOf(byHash), Map.copyOf(authorizers));
    synchronized (waiters) {
      Iterator<Waiter> it = waiters.iterator();
      while (it.hasNext()) {
        Waiter w = it.next();
        if (table.index() >= w.index()) {
          it.remove();
          w.reached().complete(null);
        }
      }
    }
  }

  /**
   * Completes once this server resolves tokens from the ACL table at {@code index} or later, or
   * after {@code atMost}: a write of a token answers only when the token works on the server that
   * wrote it.
   */
  public CompletionStage<Void> reached(long index, Duration atMost) {
    CompletableFuture<Void> reached = new CompletableFuture<>();
    synchronized (waiters) {
      if (stored.index() >= index) {
        return CompletableFuture.completedFuture(null);
      }
      waiters.add(new Waiter(index, reached));
    }
    return reached.completeOnTimeout(null, atMost.toMillis(), TimeUnit.MILLISECONDS)
        .whenComplete((done, err) -> {
          synchronized (waiters) {
            waiters.removeIf(w -> w.reached() == reached);
          }
        });
  }

  /** The token's authorizer; null for a token this server does not know. */
  private Authorizer find(String token) {
    if (!enabled) {
      return Authorizer.ALLOW_ALL;
    }
    if (token == null || token.isEmpty()) {
      return anonymous;
    }
    String hash = Secrets.hash(token);
    Authorizer found = configured.get(hash);
    return found != null ? found : stored.authorizers().get(hash);
  }
}

package io.meshfed.server.acl;

import io.meshfed.protocol.errors.ApiException;
import io.meshfed.server.config.ServerConfig;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Decides whether a request's token may do what it asks (docs/configuration.md, "ACLs"). With
 * ACLs off everything is allowed. A request without a token is the anonymous token, which only
 * has the default policy; a token that is not known is refused whatever it asks.
 */
public final class Acl {
  private final boolean enabled;
  private final Authorizer anonymous;
  private final Map<String, Authorizer> tokens = new HashMap<>();

  public Acl(ServerConfig.Acl settings) {
    this.enabled = settings.enabled();
    this.anonymous = Authorizer.of(List.of(), settings.defaultPolicy());
    settings.tokens().forEach(t -> tokens.put(t.secret(), Authorizer.of(
        t.policies().stream().map(name -> settings.policies().get(name)).toList(), settings.defaultPolicy())));
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

  /** Whether {@code token} is known, or absent (the anonymous token): what a read needs before the endpoint decides. */
  public boolean known(String token) {
    return find(token) != null;
  }

  /** Whether {@code token} is known (or anonymous) and could do some call that needs {@code needed}. */
  public boolean mayDo(String token, Access needed) {
    Authorizer found = find(token);
    return found != null && found.mayDo(needed);
  }

  /** The token's authorizer; null for a token this server does not know. */
  private Authorizer find(String token) {
    if (!enabled) {
      return Authorizer.ALLOW_ALL;
    }
    if (token == null || token.isEmpty()) {
      return anonymous;
    }
    return tokens.get(token);
  }
}

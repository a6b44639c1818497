package io.meshfed.server.acl;

import io.meshfed.server.config.ServerConfig;
import io.meshfed.protocol.errors.ApiException;
import java.util.HashMap;
import java.util.Map;

/** Decides whether a request's token may do what it asks; with ACLs off, everything is allowed. */
public final class Acl {
  private final boolean enabled;
  private final Map<String, Policy> tokens = new HashMap<>();

  public Acl(ServerConfig.Acl settings) {
    this.enabled = settings.enabled();
    settings.tokens().forEach(t -> tokens.put(t.secret(), Policy.parse(t.policy()).orElseThrow()));
  }

  /** Throws a permission-denied {@link ApiException} unless {@code token} grants {@code needed}. */
  public void authorize(String token, Policy needed) {
    if (!allows(token, needed)) {
      throw ApiException.permissionDenied();
    }
  }

  public boolean allows(String token, Policy needed) {
    if (!enabled) {
      return true;
    }
    Policy held = token == null ? null : tokens.get(token);
    return held != null && held.allows(needed);
  }
}

package io.meshfed.server;

import org.apache.pekko.actor.typed.Behavior;

/**
 * A test seam and nothing else: a test wraps the behavior of a long-lived actor that the server
 * supervises (by the name it is started under) to make it fail the way a bug would, and checks
 * that the server recovers; or makes the server advertise another release's protocol versions. A server started by {@link MeshfedServer#start(io.meshfed.server.config.ServerConfig)}
 * uses {@link #NONE}.
 */
interface FaultInjection {
  FaultInjection NONE = new FaultInjection() {
    @Override
    public <T> Behavior<T> around(String actor, Behavior<T> behavior) {
      return behavior;
    }
  };

  <T> Behavior<T> around(String actor, Behavior<T> behavior);

  /** The tags this server advertises in the WAN: a test makes it look like another release. */
  default java.util.Map<String, String> wanTags(java.util.Map<String, String> tags) {
    return tags;
  }
}

package io.meshfed.server;

import io.meshfed.actors.guardian.ServerGuardian;
import io.meshfed.server.config.ConfigException;
import io.meshfed.server.config.ServerConfig;
import java.io.IOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;

/**
 * Finds a port that is already taken before anything starts: the LAN cluster and the store take
 * seconds to come up and log dozens of lines, and a port in use would otherwise be reported only
 * when its listener binds, at the end. Each port is bound and released at once (with
 * SO_REUSEADDR, so a port that only has connections in TIME_WAIT is not mistaken for taken); a
 * port taken in the instant between this check and the real bind is still reported then.
 */
final class PortCheck {
  private PortCheck() {}

  static void ensureFree(ServerConfig config) {
    ServerConfig.Ports p = config.ports();
    check(config.bindAddress(), p.server(), "server port", "meshfed.ports.server");
    check(config.bindAddress(), p.lan(), "LAN cluster", "meshfed.ports.lan");
    check(config.bindAddress(), p.http(), "HTTP API", "meshfed.ports.http");
    check(config.bindAddress(), p.grpc(), "gRPC API", "meshfed.ports.grpc");
    check(config.bindAddress(), p.https(), "HTTPS API", "meshfed.ports.https");
    check(config.bindAddress(), p.grpcTls(), "gRPC TLS API", "meshfed.ports.grpc-tls");
  }

  private static void check(String host, int port, String what, String option) {
    if (port <= 0) {
      return;
    }
    try (ServerSocket socket = new ServerSocket()) {
      socket.setReuseAddress(true);
      socket.bind(new InetSocketAddress(host, port));
    } catch (IOException e) {
      throw new ConfigException(cannotListen(host, port, what, option, e));
    }
  }

  /** The one line that says which port could not be bound, why, and which option sets it. */
  static String cannotListen(String host, int port, String what, String option, Throwable cause) {
    String reason = hasCause(cause, BindException.class) || String.valueOf(cause.getMessage()).contains("in use")
        ? "address already in use"
        : ServerGuardian.rootMessage(cause);
    return "cannot listen on " + host + ":" + port + " for the " + what + ": " + reason + " (" + option + ")";
  }

  private static boolean hasCause(Throwable t, Class<? extends Throwable> type) {
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (type.isInstance(c)) {
        return true;
      }
    }
    return false;
  }
}

package io.meshfed.server.config;

import io.meshfed.actors.wan.swim.SwimSettings;
import io.meshfed.server.acl.Access;
import io.meshfed.server.acl.Rules;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/** A server's validated configuration (docs/configuration.md); build it with {@link ServerConfigLoader}. */
public record ServerConfig(
    boolean dev,
    String datacenter,
    String primaryDatacenter,
    String nodeName,
    String domain,
    Path dataDir,
    boolean ephemeralDataDir,
    String bindAddress,
    String advertiseAddress,
    Ports ports,
    List<String> retryJoin,
    int bootstrapExpect,
    Duration lanFailureTimeout,
    Duration lanRemovalMargin,
    boolean lanCrashProbe,
    Duration lanRpcHoldTimeout,
    Persistence persistence,
    Tls tls,
    Connect connect,
    List<String> primaryGateways,
    Duration primaryGatewaysInterval,
    Map<String, List<String>> staticGateways,
    Duration retryIntervalWan,
    SwimSettings wan,
    FederationStates federationStates,
    Acl acl,
    Limits limits) {

  public boolean isPrimary() {
    return datacenter.equals(primaryDatacenter);
  }

  /**
   * Port 0 means "pick a free port" (the default in {@code --dev}); {@link #OFF} (-1), the default
   * of {@code https} and {@code grpcTls}, means no listener.
   */
  public record Ports(int server, int lan, int http, int grpc, int https, int grpcTls) {
    public static final int OFF = -1;
  }

  public enum Journal { H2, POSTGRES }

  public record Persistence(Journal journal, String postgresUrl, String postgresUser, String postgresPassword) {}

  /**
   * Paths are null when TLS is not configured.
   *
   * @param httpsVerifyIncoming the HTTPS port requires a client certificate signed by the CA
   * @param grpcVerifyIncoming the gRPC TLS port requires a client certificate signed by the CA
   */
  public record Tls(Path caFile, Path certFile, Path keyFile,
      boolean verifyIncoming, boolean verifyOutgoing, boolean verifyServerHostname,
      boolean httpsVerifyIncoming, boolean grpcVerifyIncoming) {
    public boolean configured() {
      return caFile != null;
    }
  }

  /**
   * @param enabled {@code connect.enabled}, read for Consul-shaped files: meshfed has no service mesh
   *     of its own, and only {@code enable-mesh-gateway-wan-federation = true} requires it
   * @param federates this server federates, through mesh gateways (the only way meshfed does): it is
   *     a secondary or has TLS
   */
  public record Connect(boolean enabled, boolean federates) {}

  /**
   * @param pruneAfter the primary deletes the federation state of a DC absent from the WAN
   *     membership this long
   * @param pruneCheckInterval how often the primary looks for such DCs
   * @param gatewayProbeInterval how often every known mesh gateway is probed with a TLS handshake
   * @param gatewayProbeTimeout how long one probe may take
   */
  public record FederationStates(Duration pruneAfter, Duration pruneCheckInterval, Duration gatewayProbeInterval,
      Duration gatewayProbeTimeout) {}

  /**
   * @param defaultPolicy what applies where no rule of a token's policies does ({@code acl.default-policy}):
   *     {@code DENY}, or {@code WRITE} for {@code allow}
   * @param policies every policy a token may name, the built-in {@code operator:read} and
   *     {@code operator:write} included
   */
  /**
   * @param source the configuration these were read from, so that a reload reads the files it names
   *     again ({@link ServerConfigLoader#reloadAcl}); empty where nothing names a file
   */
  public record Acl(boolean enabled, Access defaultPolicy, Map<String, Rules> policies, List<Token> tokens,
      String replicationToken, com.typesafe.config.Config source) {
    public Acl {
      policies = Map.copyOf(policies);
      tokens = List.copyOf(tokens);
    }

    /** Secrets never reach a log line. */
    @Override
    public String toString() {
      return "Acl[enabled=" + enabled + ", defaultPolicy=" + defaultPolicy + ", policies=" + policies.keySet()
          + ", tokens=" + tokens + ", replicationToken=" + (replicationToken.isEmpty() ? "" : "(set)") + "]";
    }
  }

  /** @param policies names of {@link Acl#policies()} */
  public record Token(String secret, List<String> policies) {
    public Token {
      policies = List.copyOf(policies);
    }

    /** Secrets never reach a log line. */
    @Override
    public String toString() {
      return "Token[policies=" + policies + "]";
    }
  }

  /**
   * @param requestBuffer request bytes (HTTP bodies, gRPC messages) both APIs may hold at once while
   *     they read them
   * @param blockingReads blocking reads and watch rounds that may wait in the store at once
   */
  public record Limits(HttpLimits http, GrpcLimits grpc, ServerPortLimits serverPort, long requestBuffer,
      int blockingReads) {}

  /**
   * @param handshakeTimeout the first byte and the TLS handshake together must take no longer
   */
  public record ServerPortLimits(int maxConnections, Duration handshakeTimeout) {}

  /**
   * @param requestHeaderTimeout a request's head must be complete this soon after its first byte
   *     (or after the connection opens)
   * @param requestBodyTimeout a request's body must be complete this soon after its head
   * @param idleTimeout a keep-alive connection with no request in progress is closed after this
   */
  public record HttpLimits(int maxConnections, int maxConnectionsPerClient, Duration requestHeaderTimeout,
      Duration requestBodyTimeout, Duration idleTimeout, long maxRequestBody) {}

  /**
   * @param handshakeTimeout the HTTP/2 preface and the first call must arrive this soon after the
   *     connection opens
   * @param requestMessageTimeout a call's request message must be complete this soon after its headers
   * @param idleTimeout a connection with no call in progress is closed after this
   * @param keepaliveInterval HTTP/2 PINGs while calls are open but quiet, so a watch keeps its connection
   */
  public record GrpcLimits(int maxConnections, int maxConnectionsPerClient, Duration handshakeTimeout,
      Duration requestMessageTimeout, Duration idleTimeout, long maxMessage, int maxConcurrentStreams,
      Duration keepaliveInterval) {}
}

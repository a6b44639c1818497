package io.meshfed.server;

import io.meshfed.transport.tls.CertificateTool;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Single-server DCs with TLS in one JVM: a CA, a server port per DC, and each server's options with
 * fast WAN timings, so tests of WAN membership see joins and failures within seconds.
 */
final class TlsFederation {
  private static final Map<String, Object> FAST_WAN = Map.of(
      "wan.probe-interval", "300ms", "wan.probe-timeout", "150ms", "wan.suspicion-mult", 3,
      "wan.gossip-interval", "50ms", "wan.push-pull-interval", "1s", "wan.reconnect-interval", "1s",
      "retry-interval-wan", "1s");

  private final Path dir;
  private final CertificateTool.Issued ca;
  private final Map<String, Integer> serverPorts = new TreeMap<>();

  TlsFederation(Path dir, List<String> datacenters) throws Exception {
    this.dir = dir;
    this.ca = CertificateTool.createCa("meshfed", Duration.ofDays(30));
    Files.writeString(dir.resolve("ca.pem"), ca.certificatePem());
    for (String dc : datacenters) {
      serverPorts.put(dc, TestServers.freePort());
    }
  }

  int serverPort(String dc) {
    return serverPorts.get(dc);
  }

  /** Where another DC reaches {@code dc}'s server: its server port, standing in for a gateway. */
  String gateway(String dc) {
    return "127.0.0.1:" + serverPort(dc);
  }

  Map<String, Object> options(String dc, String primary, String node, Map<String, Object> extra) throws Exception {
    CertificateTool.Issued cert = CertificateTool.createServerCert(ca, dc, node, "meshfed", Duration.ofDays(30));
    Map<String, Object> o = new HashMap<>(FAST_WAN);
    o.putAll(extra);
    o.put("tls.ca-file", dir.resolve("ca.pem").toString());
    o.put("tls.cert-file", Files.writeString(dir.resolve(dc + ".pem"), cert.certificatePem()).toString());
    o.put("tls.key-file", Files.writeString(dir.resolve(dc + "-key.pem"), cert.privateKeyPem()).toString());
    o.put("datacenter", dc);
    o.put("primary-datacenter", primary);
    o.put("node-name", node);
    o.put("data-dir", dir.resolve(dc).toString());
    o.put("ports.server", serverPort(dc));
    return o;
  }
}

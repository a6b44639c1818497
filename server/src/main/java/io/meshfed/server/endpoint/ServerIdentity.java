package io.meshfed.server.endpoint;

/** Who this server is, for routing decisions and for the operator API. */
public record ServerIdentity(
    String nodeName, String datacenter, String primaryDatacenter, String advertiseAddress,
    int serverPort, int lanPort, String version) {

  public boolean isPrimary() {
    return datacenter.equals(primaryDatacenter);
  }

  /** True when {@code dc} (empty meaning "this DC") is served here. */
  public boolean servesLocally(String dc) {
    return dc.isEmpty() || dc.equalsIgnoreCase(datacenter);
  }
}

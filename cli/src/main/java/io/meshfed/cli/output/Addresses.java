package io.meshfed.cli.output;

import io.meshfed.cli.http.HostPort;
import io.meshfed.protocol.model.CheckServiceNode;
import io.meshfed.protocol.model.NodeService;
import io.meshfed.protocol.model.ServiceAddress;

/** Where a service instance is reached, with Consul's fallbacks. */
public final class Addresses {
  private Addresses() {}

  /** The service's address for {@code tag} ("lan", "wan"), else its default address. */
  public static String tagged(CheckServiceNode instance, String tag) {
    NodeService service = instance.service();
    return service.taggedAddress(tag)
        .filter(a -> !a.address().isEmpty())
        .map(Addresses::format)
        .orElseGet(() -> service(instance));
  }

  /** The service's address, else its node's (Consul: an empty service address means the node's). */
  public static String service(CheckServiceNode instance) {
    NodeService service = instance.service();
    String host = service.address().isEmpty() && instance.node() != null
        ? instance.node().address()
        : service.address();
    return host.isEmpty() ? "-" : HostPort.format(host, service.port());
  }

  private static String format(ServiceAddress a) {
    return HostPort.format(a.address(), a.port());
  }
}

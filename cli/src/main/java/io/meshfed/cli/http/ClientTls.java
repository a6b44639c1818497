package io.meshfed.cli.http;

import io.meshfed.transport.tls.PemFiles;
import io.meshfed.transport.tls.TlsContexts;
import java.nio.file.Path;
import java.util.Optional;
import javax.net.ssl.SSLContext;

/** The TLS context of a client of a server's TLS API ports, from the options every such client takes. */
public final class ClientTls {
  private ClientTls() {}

  /**
   * @param caFile {@code --ca-file}, or null for the JDK's trusted CAs
   * @param clientCert {@code --client-cert}, or null
   * @param clientKey {@code --client-key}, or null
   * @throws IllegalArgumentException a file that cannot be used, with a line that names the option
   */
  public static SSLContext context(Path caFile, Path clientCert, Path clientKey) {
    try {
      return TlsContexts.apiClient(Optional.ofNullable(caFile), Optional.ofNullable(clientCert),
          Optional.ofNullable(clientKey));
    } catch (PemFiles.TlsFileException e) {
      throw new IllegalArgumentException(e.getMessage(), e);
    }
  }
}

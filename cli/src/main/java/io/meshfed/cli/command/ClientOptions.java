package io.meshfed.cli.command;

import io.meshfed.cli.CliException;
import io.meshfed.cli.http.ApiAddress;
import io.meshfed.cli.http.ApiClient;
import io.meshfed.cli.http.ClientTls;
import io.meshfed.cli.http.Json;
import io.meshfed.cli.http.TokenFile;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Optional;
import java.util.function.Function;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.TypeConversionException;

/** The options of every command that talks to a server's HTTP API. */
public final class ClientOptions {
  @Spec(Spec.Target.MIXEE)
  private CommandSpec mixee;

  @Option(names = "--http-addr", paramLabel = "[https://]HOST:PORT", converter = ApiAddressConverter.class,
      defaultValue = "${env:MESHFED_HTTP_ADDR:-127.0.0.1:8500}",
      description = "The server's HTTP API; https:// for its HTTPS port (env MESHFED_HTTP_ADDR; default: "
          + "127.0.0.1:8500).")
  private ApiAddress httpAddr;

  @Option(names = "--ca-file", paramLabel = "FILE", defaultValue = "${env:MESHFED_CACERT}",
      description = "With https://: the CA certificate(s) that sign the server's certificate, PEM (env MESHFED_CACERT; "
          + "default: the JDK's trusted CAs).")
  private Path caFile;

  @Option(names = "--client-cert", paramLabel = "FILE", defaultValue = "${env:MESHFED_CLIENT_CERT}",
      description = "With https://: the client certificate, PEM, for a server with tls.https.verify-incoming "
          + "(env MESHFED_CLIENT_CERT).")
  private Path clientCert;

  @Option(names = "--client-key", paramLabel = "FILE", defaultValue = "${env:MESHFED_CLIENT_KEY}",
      description = "With https://: the client certificate's key, PEM (env MESHFED_CLIENT_KEY).")
  private Path clientKey;

  @Option(names = "--token", paramLabel = "TOKEN", defaultValue = "${env:MESHFED_HTTP_TOKEN}",
      description = "ACL token, sent as " + ApiClient.TOKEN_HEADER + " (env MESHFED_HTTP_TOKEN).")
  private String token;

  @Option(names = "--token-file", paramLabel = "FILE", defaultValue = "${env:MESHFED_HTTP_TOKEN_FILE}",
      description = "A file holding the ACL token, instead of --token (env MESHFED_HTTP_TOKEN_FILE).")
  private Path tokenFile;

  @Option(names = "--format", paramLabel = "table|json", converter = FormatConverter.class,
      defaultValue = "table", description = "Output format: table or json (the API's JSON).")
  private Format format;

  public enum Format { TABLE, JSON }

  public ApiClient api() {
    try {
      return new ApiClient(httpAddr, TokenFile.resolve(token, tokenFile),
          httpAddr.tls() ? Optional.of(ClientTls.context(caFile, clientCert, clientKey)) : Optional.empty());
    } catch (IllegalArgumentException e) {
      throw new CliException(e.getMessage());
    }
  }

  boolean json() {
    return format == Format.JSON;
  }

  PrintWriter out() {
    return mixee.commandLine().getOut();
  }

  /** Prints either the API's own JSON or the table made from it. */
  public void print(String apiJson, Function<String, String> table) {
    out().print(json() ? Json.pretty(apiJson) + "\n" : table.apply(apiJson));
    out().flush();
  }

  static final class ApiAddressConverter implements ITypeConverter<ApiAddress> {
    @Override
    public ApiAddress convert(String value) {
      try {
        return ApiAddress.parse(value);
      } catch (IllegalArgumentException e) {
        throw new TypeConversionException(e.getMessage());
      }
    }
  }

  static final class FormatConverter implements ITypeConverter<Format> {
    @Override
    public Format convert(String value) {
      return switch (value) {
        case "table" -> Format.TABLE;
        case "json" -> Format.JSON;
        default -> throw new TypeConversionException("expected table or json, got '" + value + "'");
      };
    }
  }
}

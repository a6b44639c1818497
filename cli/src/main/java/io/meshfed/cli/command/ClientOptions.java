package io.meshfed.cli.command;

import io.meshfed.cli.http.ApiClient;
import io.meshfed.cli.http.HostPort;
import io.meshfed.cli.http.Json;
import java.io.PrintWriter;
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

  @Option(names = "--http-addr", paramLabel = "HOST:PORT", converter = HostPortConverter.class,
      defaultValue = "${env:MESHFED_HTTP_ADDR:-127.0.0.1:8500}",
      description = "The server's HTTP API (env MESHFED_HTTP_ADDR; default: 127.0.0.1:8500).")
  private HostPort httpAddr;

  @Option(names = "--token", paramLabel = "TOKEN", defaultValue = "${env:MESHFED_HTTP_TOKEN}",
      description = "ACL token, sent as " + ApiClient.TOKEN_HEADER + " (env MESHFED_HTTP_TOKEN).")
  private String token;

  @Option(names = "--format", paramLabel = "table|json", converter = FormatConverter.class,
      defaultValue = "table", description = "Output format: table or json (the API's JSON).")
  private Format format;

  public enum Format { TABLE, JSON }

  ApiClient api() {
    return new ApiClient(httpAddr, token);
  }

  boolean json() {
    return format == Format.JSON;
  }

  PrintWriter out() {
    return mixee.commandLine().getOut();
  }

  /** Prints either the API's own JSON or the table made from it. */
  void print(String apiJson, Function<String, String> table) {
    out().print(json() ? Json.pretty(apiJson) + "\n" : table.apply(apiJson));
    out().flush();
  }

  static final class HostPortConverter implements ITypeConverter<HostPort> {
    @Override
    public HostPort convert(String value) {
      try {
        return HostPort.parse(value);
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

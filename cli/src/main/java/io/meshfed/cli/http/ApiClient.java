package io.meshfed.cli.http;

import io.meshfed.cli.CliException;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.channels.UnresolvedAddressException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;

/** A client of a meshfed server's HTTP API; every failure surfaces as a {@link CliException}. */
public final class ApiClient {
  public static final String TOKEN_HEADER = "X-Meshfed-Token";
  static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);
  static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(60);

  private final ApiAddress address;
  private final String token;
  private final HttpClient http;

  /** @param tls the context for an {@code https://} address; the JDK's default without one */
  public ApiClient(ApiAddress address, String token, Optional<SSLContext> tls) {
    this.address = address;
    this.token = token;
    HttpClient.Builder builder = HttpClient.newBuilder()
        .version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(CONNECT_TIMEOUT);
    tls.ifPresent(builder::sslContext);
    this.http = builder.build();
  }

  /** The body of a 2xx answer to a GET. */
  public String get(String pathAndQuery) {
    return bodyOfSuccess(send(request(pathAndQuery).GET()));
  }

  /** Like {@link #get}, but a 404 with an empty body means "no such record" rather than an error. */
  public Optional<String> getIfPresent(String pathAndQuery) {
    HttpResponse<String> response = send(request(pathAndQuery).GET());
    if (response.statusCode() == 404 && response.body().isBlank()) {
      return Optional.empty();
    }
    return Optional.of(bodyOfSuccess(response));
  }

  /** The body of a 2xx answer to a GET of binary content (a snapshot file). */
  public byte[] getBytes(String pathAndQuery) {
    HttpResponse<byte[]> response = send(request(pathAndQuery).header("Accept", "application/octet-stream").GET(),
        HttpResponse.BodyHandlers.ofByteArray());
    if (response.statusCode() >= 200 && response.statusCode() < 300) {
      return response.body();
    }
    // An error is plain text, like every other answer's.
    throw failure(response.statusCode(), new String(response.body(), StandardCharsets.UTF_8), response.request());
  }

  public String put(String path, String json) {
    HttpRequest.Builder builder = request(path)
        .header("Content-Type", "application/json")
        .PUT(HttpRequest.BodyPublishers.ofString(json, StandardCharsets.UTF_8));
    return bodyOfSuccess(send(builder));
  }

  public String delete(String path) {
    return bodyOfSuccess(send(request(path).DELETE()));
  }

  /** Encodes one path segment or query value; URLEncoder alone would turn spaces into '+'. */
  public static String encode(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
  }

  private HttpRequest.Builder request(String pathAndQuery) {
    HttpRequest.Builder builder = HttpRequest.newBuilder(URI.create(address.baseUrl() + pathAndQuery))
        .timeout(REQUEST_TIMEOUT)
        .header("Accept", "application/json");
    if (token != null && !token.isEmpty()) {
      builder.header(TOKEN_HEADER, token);
    }
    return builder;
  }

  private HttpResponse<String> send(HttpRequest.Builder builder) {
    return send(builder, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
  }

  private <T> HttpResponse<T> send(HttpRequest.Builder builder, HttpResponse.BodyHandler<T> body) {
    try {
      return http.send(builder.build(), body);
    } catch (HttpConnectTimeoutException e) {
      throw cannotConnect("connect timed out after " + CONNECT_TIMEOUT.toSeconds() + "s", e);
    } catch (HttpTimeoutException e) {
      throw new CliException("the meshfed HTTP API at " + address + " did not answer within "
          + REQUEST_TIMEOUT.toSeconds() + "s", e);
    } catch (SSLException e) {
      throw new CliException("cannot connect to the meshfed HTTP API at " + address + ": TLS failed: "
          + e.getMessage() + " (--ca-file, --client-cert, --client-key)", e);
    } catch (IOException e) {
      if (address.tls() && !(e instanceof ConnectException)) {
        // TLS 1.3 reports a refused client certificate after the handshake, so the server only
        // closes the connection: the client sees no answer at all.
        throw new CliException("the meshfed HTTPS API at " + address + " closed the connection without an answer ("
            + reason(e) + "): it may require a client certificate signed by its CA (--client-cert, --client-key), "
            + "or refuse the one given; its log says which", e);
      }
      throw cannotConnect(reason(e), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new CliException("interrupted while waiting for the meshfed HTTP API at " + address, e);
    }
  }

  private CliException cannotConnect(String reason, Exception cause) {
    return new CliException("cannot connect to the meshfed HTTP API at " + address + " (" + reason
        + "): is a server running? (--http-addr)", cause);
  }

  /** HttpClient wraps the socket error, often without a message, so look through the causes. */
  private static String reason(IOException e) {
    String message = e.getMessage();
    boolean connect = false;
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof UnresolvedAddressException) {
        return "unknown host";
      }
      if (t instanceof ConnectException) {
        connect = true;
        message = t.getMessage() == null ? message : t.getMessage();
      }
    }
    if (connect && (message == null || message.toLowerCase(Locale.ROOT).contains("refused"))) {
      return "connection refused";
    }
    return message == null ? e.getClass().getSimpleName() : message;
  }

  /** The API's error answers are plain text meant for people, so they become the error line. */
  private String bodyOfSuccess(HttpResponse<String> response) {
    int status = response.statusCode();
    if (status >= 200 && status < 300) {
      return response.body();
    }
    throw failure(status, response.body(), response.request());
  }

  private CliException failure(int status, String text, HttpRequest request) {
    String body = text.strip();
    if (body.isEmpty()) {
      return new CliException("the meshfed HTTP API at " + address + " answered HTTP " + status + " to "
          + request.method() + " " + request.uri().getRawPath());
    }
    return new CliException(body);
  }
}

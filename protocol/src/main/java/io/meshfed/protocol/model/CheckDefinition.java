package io.meshfed.protocol.model;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.time.Duration;
import java.util.Optional;

/**
 * How the DC's leader runs a check (Consul's HealthCheckDefinition, TCP only): every
 * {@code Interval} it opens a TCP connection to {@code TCP}; the check passes when the connection is
 * established within {@code Timeout}, and is critical otherwise. Mesh gateways register one, so a
 * gateway that dies turns critical without any agent beside it.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record CheckDefinition(
    @JsonProperty("TCP") String tcp,
    @JsonProperty("Interval") String interval,
    @JsonProperty("Timeout") String timeout) {

  public static final Duration MIN_INTERVAL = Duration.ofSeconds(1);
  public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(5);

  public CheckDefinition {
    tcp = Strings.orEmpty(tcp);
    interval = Strings.orEmpty(interval);
    timeout = Strings.orEmpty(timeout);
  }

  /** What is wrong with the definition, as one line; empty when it can be run. */
  public Optional<String> error() {
    int colon = tcp.lastIndexOf(':');
    if (colon <= 0 || port(tcp.substring(colon + 1)) < 1) {
      return Optional.of("Definition.TCP must be HOST:PORT with a port in 1-65535, got " + Quote.of(tcp));
    }
    // The leader dials this host: the rules of any other address apply.
    Optional<String> host = Validation.addressError("Definition.TCP host", host());
    if (host.isPresent()) {
      return host;
    }
    Optional<Duration> every = GoDuration.parse(interval);
    if (every.isEmpty() || every.get().compareTo(MIN_INTERVAL) < 0) {
      return Optional.of("Definition.Interval must be a duration of at least 1s (e.g. \"10s\"), got "
          + Quote.of(interval));
    }
    if (!timeout.isEmpty()) {
      Optional<Duration> limit = GoDuration.parse(timeout);
      if (limit.isEmpty() || limit.get().isZero()) {
        return Optional.of("Definition.Timeout must be a positive duration (e.g. \"5s\"), got " + Quote.of(timeout));
      }
    }
    return Optional.empty();
  }

  @JsonIgnore
  public String host() {
    return tcp.substring(0, tcp.lastIndexOf(':'));
  }

  @JsonIgnore
  public int port() {
    return port(tcp.substring(tcp.lastIndexOf(':') + 1));
  }

  /** Only for a definition without {@link #error()}. */
  @JsonIgnore
  public Duration intervalDuration() {
    return GoDuration.parse(interval).orElseThrow();
  }

  /** The timeout, {@link #DEFAULT_TIMEOUT} when not given; only for a definition without {@link #error()}. */
  @JsonIgnore
  public Duration timeoutDuration() {
    return timeout.isEmpty() ? DEFAULT_TIMEOUT : GoDuration.parse(timeout).orElseThrow();
  }

  private static int port(String text) {
    try {
      int p = Integer.parseInt(text);
      return p >= 1 && p <= 65535 ? p : -1;
    } catch (NumberFormatException e) {
      return -1;
    }
  }
}

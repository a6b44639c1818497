package io.meshfed.gateway.metrics;

/**
 * Writes the Prometheus text exposition format, version 0.0.4: a HELP and a TYPE line per family,
 * then one line per sample, label values escaped.
 */
final class PrometheusText {
  static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

  private final StringBuilder text = new StringBuilder();

  PrometheusText family(String name, String type, String help) {
    text.append("# HELP ").append(name).append(' ').append(help).append('\n');
    text.append("# TYPE ").append(name).append(' ').append(type).append('\n');
    return this;
  }

  /** {@code labels} alternate names and values. */
  PrometheusText sample(String name, long value, String... labels) {
    text.append(name);
    if (labels.length > 0) {
      text.append('{');
      for (int i = 0; i < labels.length; i += 2) {
        text.append(i == 0 ? "" : ",").append(labels[i]).append("=\"").append(escape(labels[i + 1])).append('"');
      }
      text.append('}');
    }
    text.append(' ').append(value).append('\n');
    return this;
  }

  @Override
  public String toString() {
    return text.toString();
  }

  /** Label values escape backslash, double quote and line feed. */
  static String escape(String value) {
    return value.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
  }
}

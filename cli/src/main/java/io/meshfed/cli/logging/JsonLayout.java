package io.meshfed.cli.logging;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.CoreConstants;
import ch.qos.logback.core.LayoutBase;
import com.fasterxml.jackson.core.JsonFactory;
import io.meshfed.actors.leader.RoutineSpec;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.Map;
import java.util.TreeMap;

/**
 * One JSON object per log event, on one line, for log pipelines ({@code --log-format json}).
 * Jackson writes the strings, so quotes, line breaks and control characters in a message (a
 * hostile node name, a stack trace) stay inside their field (RFC 8259, section 7).
 *
 * <p>Fields: {@code time} (UTC, milliseconds), {@code level}, {@code logger}, {@code thread},
 * {@code message}; {@code dc} and {@code node} of the process's server or gateway when the process
 * runs one; {@code routine} for events of a leader routine; {@code actor} (the logging actor's
 * path) for events of actors; {@code error} (the stack trace) when the event carries one; any other
 * diagnostic context the event has, under its own name.
 */
public final class JsonLayout extends LayoutBase<ILoggingEvent> {
  /** Pekko's name for the logging actor's path in the diagnostic context. */
  static final String PEKKO_SOURCE = "pekkoSource";
  /** Pekko's diagnostic keys that repeat what a line already says (thread, time) or says nothing. */
  private static final java.util.Set<String> DROPPED = java.util.Set.of(
      "sourceThread", "pekkoTimestamp", "sourceActorSystem", "pekkoAddress", "pekkoTags");

  private final JsonFactory json = new JsonFactory();
  private final LogFields fields;

  public JsonLayout(LogFields fields) {
    this.fields = fields;
  }

  @Override
  public String doLayout(ILoggingEvent event) {
    StringWriter out = new StringWriter(256);
    try (JsonGenerator g = json.createGenerator(out)) {
      g.writeStartObject();
      g.writeStringField("time", Instant.ofEpochMilli(event.getTimeStamp()).toString());
      g.writeStringField("level", event.getLevel().toString());
      g.writeStringField("logger", event.getLoggerName());
      g.writeStringField("thread", event.getThreadName());
      g.writeStringField("message", event.getFormattedMessage());
      fields.dc().ifPresent(dc -> field(g, "dc", dc));
      fields.node().ifPresent(node -> field(g, "node", node));
      Map<String, String> mdc = new TreeMap<>(event.getMDCPropertyMap());
      String routine = mdc.remove(RoutineSpec.LOG_KEY);
      if (routine != null) {
        g.writeStringField("routine", routine);
      }
      String actor = mdc.remove(PEKKO_SOURCE);
      if (actor != null) {
        g.writeStringField("actor", actor);
      }
      for (Map.Entry<String, String> e : mdc.entrySet()) {
        if (!DROPPED.contains(e.getKey()) && !isReserved(e.getKey())) {
          g.writeStringField(e.getKey(), e.getValue());
        }
      }
      IThrowableProxy thrown = event.getThrowableProxy();
      if (thrown != null) {
        g.writeStringField("error", ThrowableProxyUtil.asString(thrown));
      }
      g.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write a log event as JSON", e);
    }
    return out.append(CoreConstants.LINE_SEPARATOR).toString();
  }

  /** A diagnostic key named like one of our fields would make the object's key appear twice. */
  private static boolean isReserved(String key) {
    return switch (key) {
      case "time", "level", "logger", "thread", "message", "dc", "node", "error" -> true;
      default -> false;
    };
  }

  private static void field(JsonGenerator g, String name, String value) {
    try {
      g.writeStringField(name, value);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}

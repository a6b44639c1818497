package io.meshfed.cli.logging;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.LoggingEvent;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JsonLayoutTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final LoggerContext context = new LoggerContext();

  private LoggingEvent event(String message, Map<String, String> mdc, Throwable thrown) {
    LoggingEvent e = new LoggingEvent("fqcn", context.getLogger("io.meshfed.Test"), Level.WARN, message, thrown, null);
    e.setMDCPropertyMap(mdc);
    e.setTimeStamp(1_796_000_000_123L);
    e.setThreadName("worker-1");
    return e;
  }

  private JsonNode layout(LogFields fields, LoggingEvent event) throws Exception {
    String line = new JsonLayout(fields).doLayout(event);
    assertThat(line).endsWith("\n");
    assertThat(line.strip()).doesNotContain("\n", "\r");
    return JSON.readTree(line);
  }

  @Test
  void aHostileMessageStaysInItsFieldOnOneLine() throws Exception {
    LogFields fields = new LogFields();
    fields.claim("dc1", "n1");
    String hostile = "node \"x\"}\n{\"level\":\"ERROR\"} \u0000\u001b[31m tab\t é";
    JsonNode line = layout(fields, event(hostile, Map.of(), null));
    assertThat(line.get("message").asText()).isEqualTo(hostile);
    assertThat(line.get("level").asText()).isEqualTo("WARN");
    assertThat(line.get("logger").asText()).isEqualTo("io.meshfed.Test");
    assertThat(line.get("thread").asText()).isEqualTo("worker-1");
    assertThat(line.get("time").asText()).isEqualTo("2026-11-30T00:53:20.123Z");
    assertThat(line.get("dc").asText()).isEqualTo("dc1");
    assertThat(line.get("node").asText()).isEqualTo("n1");
    assertThat(line.has("error")).isFalse();
  }

  @Test
  void routineActorAndErrorHaveTheirOwnFields() throws Exception {
    JsonNode line = layout(new LogFields(), event("replication failed", Map.of(
        "routine", "federation-state-replication",
        "pekkoSource", "pekko://meshfed/system/leader/routines/runner-x/routine-1",
        "sourceThread", "dropped", "pekkoAddress", "dropped",
        "message", "would be a second message key",
        "pekkoMemberStatus", "Up"), new IllegalStateException("no path to dc1")));
    assertThat(line.get("routine").asText()).isEqualTo("federation-state-replication");
    assertThat(line.get("actor").asText()).endsWith("/routine-1");
    assertThat(line.get("pekkoMemberStatus").asText()).isEqualTo("Up");
    assertThat(line.get("message").asText()).isEqualTo("replication failed");
    assertThat(line.has("sourceThread")).isFalse();
    assertThat(line.has("pekkoAddress")).isFalse();
    assertThat(line.get("error").asText()).contains("IllegalStateException: no path to dc1", "at io.meshfed");
    assertThat(line.has("dc")).isFalse();
  }

  @Test
  void aSecondServerInTheProcessClearsTheProcessWideNames() {
    LogFields fields = new LogFields();
    fields.claim("dc1", "n1");
    fields.claim("dc1", "n1");
    assertThat(fields.node()).contains("n1");
    fields.claim("dc2", "n7");
    assertThat(fields.dc()).isEmpty();
    assertThat(fields.node()).isEmpty();
    fields.claim("dc1", "n1");
    assertThat(fields.dc()).isEmpty();
  }
}

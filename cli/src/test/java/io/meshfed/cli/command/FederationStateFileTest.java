package io.meshfed.cli.command;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meshfed.cli.CliException;
import io.meshfed.cli.http.Json;
import io.meshfed.protocol.model.FederationStateOp;
import org.junit.jupiter.api.Test;

class FederationStateFileTest {
  private static final String SOURCE = "federation state file s.json";

  @Test
  void keepsTheObjectAsWrittenIncludingUnknownFields() {
    String json = "{\"Datacenter\":\"dc2\",\"MeshGateways\":[{\"Service\":{\"Service\":\"mesh-gateway\",\"Port\":8443}}],"
        + "\"UpdatedAt\":\"2026-11-26T01:02:03Z\",\"ModifyIndex\":9,\"Future\":{\"x\":1}}";
    assertThat(FederationStateFile.parse(SOURCE, json).get("Future").get("x").asInt()).isEqualTo(1);
  }

  @Test
  void rejectsWithOneClearMessage() {
    assertRejected("{\"Datacenter\":", SOURCE + ": not valid JSON: Unexpected end-of-input");
    assertRejected("", SOURCE + ": empty");
    assertRejected("[{\"Datacenter\":\"dc2\"}]", SOURCE + ": expected one JSON object, found array");
    assertRejected("{}", SOURCE + ": missing \"Datacenter\"");
    assertRejected("{\"Datacenter\":\"\"}", SOURCE + ": missing \"Datacenter\"");
    assertRejected("{\"Datacenter\":null}", SOURCE + ": missing \"Datacenter\"");
    assertRejected("{\"Datacenter\":2}", SOURCE + ": \"Datacenter\" must be a string");
    assertRejected("{\"Datacenter\":\"dc.2\"}", SOURCE + ": invalid datacenter name 'dc.2'");
    assertRejected("{\"Datacenter\":\"dc2\",\"MeshGateways\":[{\"Service\":{\"Port\":\"x\"}}]}",
        SOURCE + ": \"MeshGateways[0].Service.Port\" has the wrong type");
  }

  private static void assertRejected(String content, String messageStart) {
    assertThatThrownBy(() -> FederationStateFile.parse(SOURCE, content))
        .isInstanceOf(CliException.class)
        .hasMessageStartingWith(messageStart)
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n", "Source:"));
  }

  @Test
  void wrapsTheStateInAnOperation() throws Exception {
    var state = FederationStateFile.parse(SOURCE, "{\"Datacenter\":\"dc2\"}");
    assertThat(Json.MAPPER.readTree(ApplyRequest.of(FederationStateOp.UPSERT, state)))
        .isEqualTo(Json.MAPPER.readTree("{\"Op\":\"upsert\",\"State\":{\"Datacenter\":\"dc2\"}}"));
    assertThat(Json.MAPPER.readTree(ApplyRequest.of(FederationStateOp.DELETE, state)))
        .isEqualTo(Json.MAPPER.readTree("{\"Op\":\"delete\",\"State\":{\"Datacenter\":\"dc2\"}}"));
  }

  @Test
  void turnsTheAnswerIntoASentence() {
    assertThat(ApplyRequest.outcome(FederationStateOp.UPSERT, "dc2", "{\"Index\":17,\"Applied\":true}"))
        .isEqualTo("Federation state for \"dc2\" written (index 17)\n");
    assertThat(ApplyRequest.outcome(FederationStateOp.DELETE, "dc2", "{\"Index\":18,\"Applied\":true}"))
        .isEqualTo("Federation state for \"dc2\" deleted (index 18)\n");
    assertThat(ApplyRequest.outcome(FederationStateOp.DELETE, "dc2", "{\"Index\":18,\"Applied\":false}"))
        .isEqualTo("No federation state for \"dc2\"; nothing deleted\n");
    assertThatThrownBy(() -> ApplyRequest.outcome(FederationStateOp.UPSERT, "dc2", "{\"Index\":1,\"Applied\":false}"))
        .isInstanceOf(CliException.class);
  }
}

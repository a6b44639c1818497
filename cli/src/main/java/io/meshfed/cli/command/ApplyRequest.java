package io.meshfed.cli.command;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.meshfed.cli.CliException;
import io.meshfed.cli.http.ApplyAnswer;
import io.meshfed.cli.http.Json;
import io.meshfed.protocol.model.FederationStateOp;

/** The body of {@code PUT /v1/internal/federation-state} and the sentence its answer becomes. */
final class ApplyRequest {
  private ApplyRequest() {}

  static String of(FederationStateOp op, ObjectNode state) {
    ObjectNode body = Json.MAPPER.createObjectNode().put("Op", op.wireName());
    body.set("State", state);
    try {
      return Json.MAPPER.writeValueAsString(body);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("a JSON tree always serializes", e);
    }
  }

  static String outcome(FederationStateOp op, String datacenter, String answerJson) {
    ApplyAnswer answer = Json.read(answerJson, ApplyAnswer.class);
    String subject = "Federation state for \"" + datacenter + "\"";
    if (op == FederationStateOp.DELETE) {
      return answer.applied()
          ? subject + " deleted (index " + answer.index() + ")\n"
          : "No federation state for \"" + datacenter + "\"; nothing deleted\n";
    }
    if (!answer.applied()) {
      throw new CliException("the server did not apply the federation state for \"" + datacenter + "\"");
    }
    return subject + " written (index " + answer.index() + ")\n";
  }
}

package io.meshfed.cli.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meshfed.cli.CliException;
import org.junit.jupiter.api.Test;

class JsonTest {
  @Test
  void prettyKeepsTheApiDataExactly() throws Exception {
    String body = "[{\"Datacenter\":\"dc2\",\"MeshGateways\":[],\"UpdatedAt\":\"2026-11-26T01:02:03Z\","
        + "\"PrimaryModifyIndex\":5,\"Big\":123456789012345678901234567890,\"Ratio\":0.1000000000000000055511151231257827,"
        + "\"Extra\":{\"Nested\":[true,null]}}]";
    String pretty = Json.pretty(body);
    assertThat(pretty).contains("\n");
    assertThat(Json.MAPPER.readTree(pretty)).isEqualTo(Json.MAPPER.readTree(body));
    assertThat(pretty).contains("123456789012345678901234567890", "0.1000000000000000055511151231257827");
    assertThat(Json.pretty("[]")).isEqualTo("[]");
    assertThat(Json.pretty("{\"A\":[],\"B\":{}}")).isEqualTo("{\n  \"A\" : [],\n  \"B\" : {}\n}");
  }

  @Test
  void anAnswerThatIsNotJsonIsAnError() {
    assertThatThrownBy(() -> Json.pretty("<html>"))
        .isInstanceOf(CliException.class)
        .hasMessageStartingWith("the meshfed HTTP API answered with unexpected JSON: ");
  }
}

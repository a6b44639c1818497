package io.meshfed.cli.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.core.util.Separators;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import io.meshfed.cli.CliException;

/** The one JSON mapper of the CLI, configured to read the API's records. */
public final class Json {
  public static final ObjectMapper MAPPER = JsonMapper.builder()
      .addModule(new JavaTimeModule())
      // --format json must not alter numbers it passes through
      .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
      .enable(DeserializationFeature.USE_BIG_INTEGER_FOR_INTS)
      .build();

  // Empty lists print as "[]", as the API sends them, rather than Jackson's default "[ ]".
  private static final DefaultPrettyPrinter PRETTY = new DefaultPrettyPrinter(
      Separators.createDefaultInstance().withArrayEmptySeparator("").withObjectEmptySeparator(""));

  private Json() {}

  /** Reads an API answer; a body that is not what the contract says is the server's fault. */
  public static <T> T read(String body, Class<T> type) {
    try {
      return MAPPER.readValue(body, type);
    } catch (JsonProcessingException e) {
      throw invalidAnswer(e);
    }
  }

  public static <T> T read(String body, TypeReference<T> type) {
    try {
      return MAPPER.readValue(body, type);
    } catch (JsonProcessingException e) {
      throw invalidAnswer(e);
    }
  }

  /** The same JSON data, indented for people. */
  public static String pretty(String body) {
    try {
      JsonNode tree = MAPPER.readTree(body);
      return MAPPER.writer(PRETTY).writeValueAsString(tree);
    } catch (JsonProcessingException e) {
      throw invalidAnswer(e);
    }
  }

  /** Jackson's message without the source excerpt and location it appends. */
  public static String shortMessage(JsonProcessingException e) {
    String where = e.getLocation() == null ? ""
        : " at line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr();
    // Jackson appends a source excerpt to some messages ("(start marker at [Source: ...])").
    String message = e.getOriginalMessage().lines().findFirst().orElse("").replaceAll("\\s*\\(start marker at .*", "");
    return message + where;
  }

  private static CliException invalidAnswer(JsonProcessingException e) {
    return new CliException("the meshfed HTTP API answered with unexpected JSON: " + shortMessage(e), e);
  }
}

package io.meshfed.cli.command;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.meshfed.cli.CliException;
import io.meshfed.cli.http.Json;
import io.meshfed.protocol.model.FederationState;
import io.meshfed.protocol.names.Names;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.stream.Collectors;

/** Reads and checks the input of {@code federation-state apply}. */
final class FederationStateFile {
  static final String STDIN = "-";

  private FederationStateFile() {}

  /** The file's FederationState object as written, so fields this CLI does not know still reach the server. */
  static ObjectNode load(String file) {
    String source = STDIN.equals(file) ? "federation state on stdin" : "federation state file " + file;
    return parse(source, read(source, file));
  }

  static ObjectNode parse(String source, String content) {
    JsonNode tree;
    try {
      tree = Json.MAPPER.readTree(content);
    } catch (JsonProcessingException e) {
      throw new CliException(source + ": not valid JSON: " + Json.shortMessage(e), e);
    }
    if (tree == null || tree.isMissingNode()) {
      throw new CliException(source + ": empty");
    }
    if (!(tree instanceof ObjectNode state)) {
      throw new CliException(source + ": expected one JSON object, found " + tree.getNodeType().toString().toLowerCase(Locale.ROOT));
    }
    JsonNode dc = state.get("Datacenter");
    if (dc == null || dc.isNull() || dc.isTextual() && dc.asText().isEmpty()) {
      throw new CliException(source + ": missing \"Datacenter\"");
    }
    if (!dc.isTextual()) {
      throw new CliException(source + ": \"Datacenter\" must be a string");
    }
    Names.datacenterError(dc.asText()).ifPresent(problem -> {
      throw new CliException(source + ": " + problem);
    });
    try {
      Json.MAPPER.treeToValue(state, FederationState.class);
    } catch (JsonProcessingException e) {
      throw new CliException(source + ": " + wrongType(e), e);
    }
    return state;
  }

  /** Names the offending field rather than the Java type Jackson failed to build. */
  private static String wrongType(JsonProcessingException e) {
    if (e instanceof JsonMappingException mapping && !mapping.getPath().isEmpty()) {
      String field = mapping.getPath().stream()
          .map(r -> r.getFieldName() != null ? r.getFieldName() : "[" + r.getIndex() + "]")
          .collect(Collectors.joining(".")).replace(".[", "[");
      return "\"" + field + "\" has the wrong type";
    }
    return "not a federation state: " + Json.shortMessage(e);
  }

  private static String read(String source, String file) {
    try {
      byte[] bytes = STDIN.equals(file) ? System.in.readAllBytes() : Files.readAllBytes(Path.of(file));
      return new String(bytes, StandardCharsets.UTF_8);
    } catch (NoSuchFileException e) {
      throw new CliException(source + ": no such file", e);
    } catch (AccessDeniedException e) {
      throw new CliException(source + ": permission denied", e);
    } catch (IOException e) {
      String why = Files.isDirectory(Path.of(file)) ? "is a directory" : "cannot read: " + e.getMessage();
      throw new CliException(source + ": " + why, e);
    }
  }
}

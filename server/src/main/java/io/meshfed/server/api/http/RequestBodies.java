package io.meshfed.server.api.http;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonStreamContext;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.exc.InputCoercionException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.ValueInstantiationException;
import io.meshfed.protocol.errors.ApiException;
import java.io.IOException;
import java.nio.charset.CharsetEncoder;
import java.nio.charset.StandardCharsets;
import java.time.temporal.Temporal;
import java.util.Collection;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Decodes a JSON request body into its record, with errors that say where the body is wrong in the
 * body's own terms ({@code Service.Port: expected a number}), never in Jackson's or Java's
 * ({@code Cannot deserialize value of type `int`...}).
 */
final class RequestBodies {
  private static final String PREFIX = "Request decode failed: ";

  private RequestBodies() {}

  static <T> T decode(ObjectMapper json, byte[] body, Class<T> type) {
    if (isBlank(body)) {
      throw ApiException.invalid(PREFIX + "the body is empty");
    }
    try {
      T value = json.readValue(body, type);
      if (value == null) {
        throw ApiException.invalid(PREFIX + "the body is empty");
      }
      refuseHalfSurrogatePairs(json, body);
      return value;
    } catch (JsonMappingException e) {
      throw ApiException.invalid(PREFIX + where(e) + what(e));
    } catch (JsonProcessingException e) {
      throw ApiException.invalid(PREFIX + "malformed JSON" + at(e.getLocation()));
    } catch (IOException e) {
      throw ApiException.invalid(PREFIX + "unreadable body");
    }
  }

  private static String what(JsonMappingException e) {
    if (e instanceof ValueInstantiationException && e.getCause() instanceof IllegalArgumentException
        && e.getCause().getMessage() != null) {
      return e.getCause().getMessage();
    }
    if (e.getCause() instanceof InputCoercionException) {
      return "number out of range";
    }
    if (e instanceof MismatchedInputException m && m.getTargetType() != null) {
      return "expected " + describe(m.getTargetType());
    }
    return "invalid value";
  }

  /**
   * JSON can carry half a surrogate pair (escaped, or as the bytes ED A0 80, which Jackson reads as
   * they are) and the store cannot: its journal's CBOR, like UTF-8, has no encoding for it, so the
   * write failed after the call was accepted, restarted the store and left the caller waiting for a
   * 503. Only the body's first value is read, as {@code readValue} does.
   */
  private static void refuseHalfSurrogatePairs(ObjectMapper json, byte[] body) throws IOException {
    CharsetEncoder utf8 = StandardCharsets.UTF_8.newEncoder();
    try (JsonParser parser = json.createParser(body)) {
      for (JsonToken token = parser.nextToken(); token != null;
          token = parser.getParsingContext().inRoot() ? null : parser.nextToken()) {
        if ((token == JsonToken.VALUE_STRING || token == JsonToken.FIELD_NAME) && !utf8.canEncode(parser.getText())) {
          // A bad key is named by the object that holds it: the message must be text too.
          JsonStreamContext at = parser.getParsingContext();
          throw ApiException.invalid(PREFIX + where(token == JsonToken.FIELD_NAME ? at.getParent() : at)
              + "half a surrogate pair is not text");
        }
      }
    }
  }

  /** The JSON path of the offending value: {@code State.MeshGateways[0].Service.Port: }. */
  private static String where(JsonMappingException e) {
    return where(e.getPath().stream()
        .map(ref -> ref.getFieldName() != null ? "." + ref.getFieldName() : "[" + ref.getIndex() + "]")
        .collect(Collectors.joining()));
  }

  private static String where(JsonStreamContext context) {
    String path = "";
    for (JsonStreamContext at = context; !at.inRoot(); at = at.getParent()) {
      path = (at.inArray() ? "[" + at.getCurrentIndex() + "]" : "." + at.getCurrentName()) + path;
    }
    return where(path);
  }

  private static String where(String path) {
    return path.isEmpty() ? "" : path.substring(path.startsWith(".") ? 1 : 0) + ": ";
  }

  private static String at(JsonLocation location) {
    return location == null || location.getLineNr() < 0 ? ""
        : " at line " + location.getLineNr() + ", column " + location.getColumnNr();
  }

  private static String describe(Class<?> type) {
    if (type == String.class || type == char.class || type == Character.class) {
      return "a string";
    }
    if (type.isPrimitive() && type != boolean.class || Number.class.isAssignableFrom(type)) {
      return "a number";
    }
    if (type == boolean.class || type == Boolean.class) {
      return "true or false";
    }
    if (Temporal.class.isAssignableFrom(type)) {
      return "a time in RFC 3339 (2006-01-02T15:04:05Z)";
    }
    if (type.isArray() || Collection.class.isAssignableFrom(type)) {
      return "an array";
    }
    if (Map.class.isAssignableFrom(type) || type.isRecord()) {
      return "an object";
    }
    return "another kind of value";
  }

  private static boolean isBlank(byte[] body) {
    for (byte b : body) {
      if (b != ' ' && b != '\n' && b != '\r' && b != '\t') {
        return false;
      }
    }
    return true;
  }
}

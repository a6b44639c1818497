package io.meshfed.server.api.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.meshfed.protocol.errors.ApiException;
import io.meshfed.protocol.model.AclPolicy;
import io.meshfed.protocol.model.Json;
import io.meshfed.transport.fuzz.Fuzz;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The HTTP API's decoding layer under hostile input: every body type a PUT takes, as random bytes and
 * as real bodies with fields dropped, duplicated or retyped, huge numbers, deep nesting, invalid UTF-8
 * and truncation; and the query parameters of every GET. The only outcome besides a value is an
 * INVALID_ARGUMENT whose message is one short line in the API's terms, never Jackson's or Java's.
 */
public class HttpApiFuzzTest {
  public static final Pattern CLASS_NAME =
      Pattern.compile("(java|javax|jdk|io\\.meshfed|com\\.fasterxml|com\\.google|org\\.apache|scala)\\.|Exception"
          + "|\\b(HttpBodies|RequestBodies|FederationStateRequest|RegisterRequest|DeregisterRequest|CheckUpdateRequest"
          + "|AclTokenRequest|LinkedHashMap|ArrayList)\\b");
  private static final ObjectMapper JSON = Json.mapper();

  /** A real body of each type the HTTP API decodes, the seed of its mutations. */
  static final Map<Class<?>, String> BODIES = new java.util.LinkedHashMap<>();

  static {
    BODIES.put(HttpBodies.FederationStateRequest.class, """
        {"Op":"upsert","State":{"Datacenter":"dc2","MeshGateways":[
          {"Node":{"Node":"gw-dc2","Address":"10.0.2.1","Datacenter":"dc2"},
           "Service":{"ID":"mesh-gateway","Service":"mesh-gateway","Kind":"mesh-gateway","Port":8443,
             "Meta":{"meshfed-wan-federation":"1"},
             "TaggedAddresses":{"lan":{"Address":"10.0.2.1","Port":8443},"wan":{"Address":"198.51.100.2","Port":443}}},
           "Checks":[{"Node":"gw-dc2","CheckID":"gw-alive","Name":"gateway alive","Status":"passing",
             "ServiceID":"mesh-gateway"}]}],"UpdatedAt":"2024-01-02T15:04:05Z"}}""");
    BODIES.put(HttpBodies.RegisterRequest.class, """
        {"Node":"web-1","Address":"10.0.0.5","Datacenter":"dc1","TaggedAddresses":{"lan":"10.0.0.5"},
         "NodeMeta":{"rack":"r1"},"Service":{"ID":"web","Service":"web","Tags":["v1"],"Port":8080,
         "Meta":{"a":"b"}},"Check":{"Node":"web-1","CheckID":"web-alive","Name":"alive","Status":"passing",
         "ServiceID":"web"},"Checks":[{"Node":"web-1","CheckID":"serf","Name":"serf","Status":"passing"}]}""");
    BODIES.put(HttpBodies.DeregisterRequest.class,
        "{\"Node\":\"web-1\",\"Datacenter\":\"dc1\",\"ServiceID\":\"web\",\"CheckID\":\"web-alive\"}");
    BODIES.put(HttpBodies.CheckUpdateRequest.class,
        "{\"Node\":\"web-1\",\"CheckID\":\"web-alive\",\"Status\":\"critical\",\"Output\":\"down\"}");
    BODIES.put(AclPolicy.class, "{\"Name\":\"gw-writers\",\"Description\":\"gateways\","
        + "\"Rules\":\"{\\\"node_prefix\\\":{\\\"gw-\\\":{\\\"policy\\\":\\\"write\\\"}}}\"}");
    BODIES.put(HttpBodies.AclTokenRequest.class, "{\"AccessorID\":\"\",\"SecretID\":\"\",\"Description\":\"ci\","
        + "\"Policies\":[{\"Name\":\"gw-writers\"},{\"ID\":\"00000000-0000-4000-8000-000000000000\"}]}");
  }

  private static final List<JsonNode> HOSTILE = List.of(JsonNodeFactory.instance.nullNode(),
      JsonNodeFactory.instance.textNode(""), JsonNodeFactory.instance.textNode("a\nb\u0000\u2028"),
      JsonNodeFactory.instance.booleanNode(true), JsonNodeFactory.instance.numberNode(-1),
      JsonNodeFactory.instance.numberNode(new java.math.BigInteger("99999999999999999999999999999999")),
      JsonNodeFactory.instance.numberNode(new java.math.BigDecimal("1e400")),
      JsonNodeFactory.instance.numberNode(0.5), JsonNodeFactory.instance.numberNode(Long.MIN_VALUE),
      JsonNodeFactory.instance.numberNode(65536), JsonNodeFactory.instance.objectNode(),
      JsonNodeFactory.instance.arrayNode(), JsonNodeFactory.instance.textNode("2006-13-45T99:99:99Z"),
      JsonNodeFactory.instance.textNode("x".repeat(2000)));

  @Test
  void mutatedBodiesDecodeOrFailWithOneInvalidArgumentLine() {
    List<Class<?>> types = new ArrayList<>(BODIES.keySet());
    for (Class<?> type : types) {
      assertThat(RequestBodies.decode(JSON, BODIES.get(type).getBytes(StandardCharsets.UTF_8), type))
          .as("the valid %s body", type.getSimpleName()).isNotNull();
    }
    int ran = Fuzz.run("HTTP request bodies", c -> {
      Class<?> type = types.get(c.random.nextInt(types.size()));
      byte[] body = c.input(body(c.random, BODIES.get(type)));
      decodeOrRefuse(body, type);
    });
    assertThat(ran).isEqualTo(Fuzz.tries());
  }

  @Test
  void randomQueriesParseOrFailWithOneInvalidArgumentLine() {
    List<String> values = List.of("", "0", "1", "18446744073709551615", "18446744073709551616", "-1", "+5", "1e3",
        "30s", "5m", "1h", "-1s", "0s", "1.5s", "10ms", "1ns", "9999999999h", "2562047h", "2562048h", "s", "5",
        "1h1m1s", "dc1", "a\nb", " 5s", "5s ", "\u0000", "٣", "99999999999999999999999999s");
    int ran = Fuzz.run("HTTP query", c -> {
      Map<String, String> params = new HashMap<>();
      for (String key : List.of("index", "wait", "dc")) {
        if (c.random.nextInt(3) > 0) {
          params.put(key, c.random.nextBoolean() ? values.get(c.random.nextInt(values.size()))
              : new String(Fuzz.randomBytes(c.random, 24), StandardCharsets.ISO_8859_1));
        }
      }
      c.input(params.toString());
      try {
        assertThat(HttpApi.parseQuery(params)).isNotNull();
      } catch (ApiException e) {
        assertOneLine(e);
      }
    });
    assertThat(ran).isEqualTo(Fuzz.tries());
  }

  /**
   * Found by HttpApiEndToEndFuzzTest (seed 0xcb79f7c57351b2d9, under -Pfuzz-long): a deregister whose
   * ServiceID held the bytes ED A0 80 decoded, the store's journal refused the event, the store
   * restarted and the caller got a 503 after 10 s.
   */
  @Test
  void halfSurrogatePairsAreRefusedBeforeTheStore() {
    byte[] deregister = Fuzz.concat("{\"Node\":\"web-1\",\"ServiceID\":\"".getBytes(StandardCharsets.UTF_8),
        new byte[] {(byte) 0xed, (byte) 0xa0, (byte) 0x80}, "web\"}".getBytes(StandardCharsets.UTF_8));
    assertThatThrownBy(() -> RequestBodies.decode(JSON, deregister, HttpBodies.DeregisterRequest.class))
        .hasMessage("Request decode failed: ServiceID: half a surrogate pair is not text");
    String register = BODIES.get(HttpBodies.RegisterRequest.class).replace("\"web-1\"", "\"web-\\ud83d\\ude00\"");
    assertThat(RequestBodies.decode(JSON, register.getBytes(StandardCharsets.UTF_8), HttpBodies.RegisterRequest.class))
        .as("a whole pair").isNotNull();
    for (Map.Entry<String, String> half : Map.of("\"rack\"", "NodeMeta", "\"v1\"", "Service.Tags[0]").entrySet()) {
      byte[] body = register.replace(half.getKey(), "\"\\udc00\"").getBytes(StandardCharsets.UTF_8);
      assertThatThrownBy(() -> RequestBodies.decode(JSON, body, HttpBodies.RegisterRequest.class)).as(half.getKey())
          .hasMessage("Request decode failed: " + half.getValue() + ": half a surrogate pair is not text");
    }
  }

  /** The real body of the {@code which}th type, for end-to-end tests. */
  public static String validBody(int which) {
    return List.copyOf(BODIES.values()).get(which);
  }

  /** A hostile body made from the {@code which}th type's real one. */
  public static byte[] mutatedBody(SplittableRandom r, int which) throws Exception {
    return body(r, validBody(which));
  }

  static void decodeOrRefuse(byte[] body, Class<?> type) {
    try {
      assertThat(RequestBodies.decode(JSON, body, type)).isNotNull();
    } catch (ApiException e) {
      assertOneLine(e);
    }
  }

  static void assertOneLine(ApiException e) {
    assertThat(e.code()).as(e.getMessage()).isEqualTo(ApiException.Code.INVALID_ARGUMENT);
    assertThat(e.getMessage()).isNotBlank().doesNotContain("\n").doesNotContain("\r").hasSizeLessThan(512)
        .doesNotContainPattern(CLASS_NAME);
  }

  // ---- bodies ----

  static byte[] body(SplittableRandom r, String valid) throws Exception {
    return switch (r.nextInt(6)) {
      case 0 -> Fuzz.randomBytes(r, 64);
      case 1 -> Fuzz.mutate(r, valid.getBytes(StandardCharsets.UTF_8));
      case 2 -> invalidUtf8(r, valid.getBytes(StandardCharsets.UTF_8));
      case 3 -> deep(r);
      default -> {
        JsonNode tree = JSON.readTree(valid);
        for (int i = 1 + r.nextInt(3); i > 0; i--) {
          tree = mutateTree(r, tree);
        }
        byte[] out = JSON.writeValueAsBytes(tree);
        yield r.nextInt(8) == 0 ? java.util.Arrays.copyOf(out, r.nextInt(out.length + 1)) : out;
      }
    };
  }

  private static byte[] invalidUtf8(SplittableRandom r, byte[] b) {
    byte[][] bad = {{(byte) 0xC3}, {(byte) 0xFF}, {(byte) 0xED, (byte) 0xA0, (byte) 0x80},
        {(byte) 0xF4, (byte) 0x90, (byte) 0x80, (byte) 0x80}, {(byte) 0xC0, (byte) 0xAF}, {(byte) 0x80}};
    byte[] what = bad[r.nextInt(bad.length)];
    int at = r.nextInt(b.length + 1);
    byte[] out = new byte[b.length + what.length];
    System.arraycopy(b, 0, out, 0, at);
    System.arraycopy(what, 0, out, at, what.length);
    System.arraycopy(b, at, out, at + what.length, b.length - at);
    return out;
  }

  private static byte[] deep(SplittableRandom r) {
    int depth = 100 + r.nextInt(5000);
    StringBuilder b = new StringBuilder();
    String open = r.nextBoolean() ? "[" : "{\"State\":";
    b.append(open.repeat(depth)).append("1");
    if (r.nextBoolean()) {
      b.append((open.startsWith("[") ? "]" : "}").repeat(depth));
    }
    return b.toString().getBytes(StandardCharsets.UTF_8);
  }

  /** Drops, duplicates or retypes one value somewhere in the tree, or nests it deeply. */
  private static JsonNode mutateTree(SplittableRandom r, JsonNode root) {
    List<JsonNode> containers = new ArrayList<>();
    collect(root, containers);
    if (containers.isEmpty()) {
      return root;
    }
    JsonNode at = containers.get(r.nextInt(containers.size()));
    if (at instanceof ObjectNode o) {
      List<String> names = new ArrayList<>();
      o.fieldNames().forEachRemaining(names::add);
      String name = names.isEmpty() ? "X" : names.get(r.nextInt(names.size()));
      switch (r.nextInt(5)) {
        case 0 -> o.remove(name);
        case 1 -> o.set(name.toLowerCase(java.util.Locale.ROOT), o.get(name));
        case 2 -> o.set(name, nest(r, o.get(name)));
        default -> o.set(name, hostile(r));
      }
    } else if (at instanceof ArrayNode a) {
      switch (r.nextInt(3)) {
        case 0 -> a.add(hostile(r));
        case 1 -> {
          if (!a.isEmpty()) {
            a.add(a.get(0).deepCopy());
          }
        }
        default -> a.removeAll();
      }
    }
    return r.nextInt(20) == 0 ? hostile(r) : root;
  }

  /** A copy: the tree it lands in is mutated further, and the next case must start from the same list. */
  private static JsonNode hostile(SplittableRandom r) {
    return HOSTILE.get(r.nextInt(HOSTILE.size())).deepCopy();
  }

  private static JsonNode nest(SplittableRandom r, JsonNode value) {
    JsonNode v = value == null ? JsonNodeFactory.instance.nullNode() : value;
    for (int i = 1 + r.nextInt(30); i > 0; i--) {
      v = r.nextBoolean() ? JsonNodeFactory.instance.arrayNode().add(v) : JsonNodeFactory.instance.objectNode().set("A", v);
    }
    return v;
  }

  private static void collect(JsonNode n, List<JsonNode> into) {
    if (n.isContainerNode()) {
      into.add(n);
      n.elements().forEachRemaining(child -> collect(child, into));
    }
  }
}

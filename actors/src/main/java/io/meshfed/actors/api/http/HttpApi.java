package io.meshfed.actors.api.http;

import static org.apache.pekko.http.javadsl.server.PathMatchers.segment;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.meshfed.actors.endpoint.ApiException;
import io.meshfed.actors.endpoint.AgentEndpoint;
import io.meshfed.actors.endpoint.CatalogEndpoint;
import io.meshfed.actors.endpoint.FederationStateEndpoint;
import io.meshfed.actors.endpoint.OperatorEndpoint;
import io.meshfed.actors.endpoint.QueryOptions;
import io.meshfed.persistence.store.DcStore.QueryResult;
import io.meshfed.protocol.model.CheckServiceNode;
import io.meshfed.protocol.model.GoDuration;
import io.meshfed.protocol.model.HealthCheck;
import io.meshfed.protocol.model.Json;
import java.time.Duration;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import java.util.function.Supplier;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpCharsets;
import org.apache.pekko.http.javadsl.model.MediaTypes;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.model.headers.RawHeader;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.PathMatcher0;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.http.javadsl.unmarshalling.Unmarshaller;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP API (DESIGN §10), in Consul's paths and JSON shapes. Errors are plain text with the
 * status of their {@link ApiException.Code}; reads carry {@code X-Meshfed-Index}.
 */
public final class HttpApi extends AllDirectives {
  public static final String TOKEN_HEADER = "X-Meshfed-Token";
  public static final String INDEX_HEADER = "X-Meshfed-Index";
  public static final String KNOWN_LEADER_HEADER = "X-Meshfed-KnownLeader";
  private static final Logger LOG = LoggerFactory.getLogger(HttpApi.class);
  private static final PathMatcher0 INTERNAL = segment("v1").slash("internal");

  private final FederationStateEndpoint federation;
  private final CatalogEndpoint catalog;
  private final OperatorEndpoint operator;
  private final AgentEndpoint agent;
  private final ObjectMapper json = Json.mapper();

  public HttpApi(FederationStateEndpoint federation, CatalogEndpoint catalog, OperatorEndpoint operator,
      AgentEndpoint agent) {
    this.federation = federation;
    this.catalog = catalog;
    this.operator = operator;
    this.agent = agent;
  }

  public Route route() {
    return withToken(token -> concat(
        federationStateRoutes(token),
        catalogRoutes(token),
        path(segment("v1").slash("agent").slash("members"), () -> get(() ->
            parameterOptional("wan", wan -> respondNow(() ->
                jsonResponse(operator.members(token, wan.map(HttpApi::truthy).orElse(false)), Optional.empty()))))),
        path(segment("v1").slash("operator").slash("routines"), () -> get(() ->
            respond(operator.routines(token), r -> jsonResponse(HttpBodies.Routines.of(r), Optional.empty())))),
        path(segment("v1").slash("agent").slash("gateway-locator"), () -> get(() ->
            respondNow(() -> jsonResponse(HttpBodies.GatewayLocator.of(agent.gatewayLocator(token)), Optional.empty())))),
        // Prometheus text 0.0.4 (Consul serves it with ?format=prometheus; it is the only format here)
        path(segment("v1").slash("agent").slash("metrics"), () -> get(() ->
            respondNow(() -> HttpResponse.create().withStatus(StatusCodes.OK).withEntity(
                ContentTypes.create(MediaTypes.TEXT_PLAIN, HttpCharsets.UTF_8), agent.metrics(token).getBytes(StandardCharsets.UTF_8))))),
        path(segment("v1").slash("status").slash("leader"), () -> get(() ->
            respondNow(() -> jsonResponse(operator.leader(token), Optional.empty()))))));
  }

  private Route federationStateRoutes(String token) {
    return concat(
        path(INTERNAL.slash("federation-states"), () -> get(() -> withQuery(q ->
            respond(federation.list(token, q), r -> read(r))))),
        path(INTERNAL.slash("federation-states").slash("mesh-gateways"), () -> get(() -> withQuery(q ->
            respond(federation.listMeshGateways(token, q), r -> read(r))))),
        path(INTERNAL.slash("federation-state").slash(segment()), dc -> get(() -> withQuery(q ->
            respond(federation.get(token, dc, q), r -> r.value() == null
                ? withIndex(HttpResponse.create().withStatus(StatusCodes.NOT_FOUND), r.index())
                : jsonResponse(new HttpBodies.FederationStateResponse(r.value(), r.index(), true),
                    Optional.of(r.index())))))),
        path(INTERNAL.slash("federation-state"), () -> put(() ->
            withBody(HttpBodies.FederationStateRequest.class, body ->
                respond(federation.apply(token, body.op(), body.state()), w ->
                    jsonResponse(new HttpBodies.WriteResponse(w.index(), w.applied()), Optional.of(w.index())))))),
        pathPrefix(INTERNAL.slash("federation-state"), () -> pathEndOrSingleSlash(() -> get(() ->
            error(ApiException.invalid("Missing datacenter name"))))));
  }

  private Route catalogRoutes(String token) {
    return concat(
        path(segment("v1").slash("catalog").slash("register"), () -> put(() ->
            withBody(HttpBodies.RegisterRequest.class, body ->
                respond(catalog.register(token, body.toNode(), body.service(), body.allChecks()), w ->
                    jsonResponse(true, Optional.of(w.index())))))),
        path(segment("v1").slash("catalog").slash("deregister"), () -> put(() ->
            withBody(HttpBodies.DeregisterRequest.class, body ->
                respond(catalog.deregister(token, body.datacenter(), body.node(), body.serviceId(), body.checkId()),
                    w -> jsonResponse(true, Optional.of(w.index())))))),
        path(segment("v1").slash("catalog").slash("check-update"), () -> put(() ->
            withBody(HttpBodies.CheckUpdateRequest.class, body ->
                respond(catalog.updateCheck(token, body.node(), body.checkId(), body.status(), body.output()),
                    w -> jsonResponse(true, Optional.of(w.index())))))),
        path(segment("v1").slash("catalog").slash("service").slash(segment()), name -> get(() -> withQuery(q ->
            respond(catalog.services(token, name, "", q), r ->
                jsonResponse(r.value().stream().map(HttpBodies.ServiceNode::of).toList(), Optional.of(r.index())))))),
        path(segment("v1").slash("health").slash("service").slash(segment()), name -> get(() -> withQuery(q ->
            parameterOptional("passing", passing -> respond(catalog.services(token, name, "", q), r ->
                jsonResponse(passing.isPresent() ? onlyPassing(r.value()) : r.value(), Optional.of(r.index()))))))),
        path(INTERNAL.slash("catalog").slash("services"), () -> get(() -> withQuery(q ->
            parameterOptional("kind", kind -> respond(catalog.services(token, "", kind.orElse(""), q), r ->
                read(r)))))));
  }

  private static List<CheckServiceNode> onlyPassing(List<CheckServiceNode> nodes) {
    return nodes.stream()
        .filter(n -> n.checks().stream().allMatch(c -> HealthCheck.PASSING.equals(c.status())))
        .toList();
  }

  private Route withToken(Function<String, Route> inner) {
    return optionalHeaderValueByName(TOKEN_HEADER, token ->
        optionalHeaderValueByName("Authorization", auth -> inner.apply(token.orElseGet(() ->
            auth.filter(a -> a.regionMatches(true, 0, "Bearer ", 0, 7)).map(a -> a.substring(7).trim())
                .orElse(null)))));
  }

  /** Blocking-query parameters: {@code ?dc=}, {@code ?index=N}, {@code ?wait=30s}. */
  private Route withQuery(Function<QueryOptions, Route> inner) {
    return parameterMap(params -> {
      QueryOptions q;
      try {
        q = parseQuery(params);
      } catch (ApiException e) {
        return error(e);
      }
      return inner.apply(q);
    });
  }

  static QueryOptions parseQuery(Map<String, String> params) {
    long index = 0;
    String indexText = params.get("index");
    if (indexText != null && !indexText.isEmpty()) {
      try {
        index = Long.parseUnsignedLong(indexText);
      } catch (NumberFormatException e) {
        throw ApiException.invalid("Invalid index: '" + indexText + "' is not a non-negative integer");
      }
    }
    Duration wait = Duration.ZERO;
    String waitText = params.get("wait");
    if (waitText != null && !waitText.isEmpty()) {
      wait = GoDuration.parse(waitText).orElseThrow(() ->
          ApiException.invalid("Invalid wait time: '" + waitText + "' (use a duration like 30s or 5m)"));
    }
    return new QueryOptions(params.getOrDefault("dc", ""), index, wait);
  }

  private <T> Route withBody(Class<T> type, Function<T, Route> inner) {
    return entity(Unmarshaller.entityToString(), text -> {
      T body;
      try {
        body = text.isBlank() ? null : json.readValue(text, type);
      } catch (JsonProcessingException e) {
        return error(ApiException.invalid("Request decode failed: " + e.getOriginalMessage()));
      }
      if (body == null) {
        return error(ApiException.invalid("Request decode failed: the body is empty"));
      }
      return inner.apply(body);
    });
  }

  private <T> Route respond(CompletionStage<T> result, Function<T, HttpResponse> ok) {
    return completeWithFuture(result.handle((value, err) -> err == null ? ok.apply(value)
        : errorResponse(ApiException.from(err))));
  }

  private Route respondNow(Supplier<HttpResponse> call) {
    try {
      return complete(call.get());
    } catch (ApiException e) {
      return error(e);
    }
  }

  private HttpResponse read(QueryResult<?> r) {
    return jsonResponse(r.value(), Optional.of(r.index()));
  }

  private HttpResponse jsonResponse(Object body, Optional<Long> index) {
    byte[] bytes;
    try {
      bytes = json.writeValueAsBytes(body);
    } catch (JsonProcessingException e) {
      return errorResponse(ApiException.from(e));
    }
    HttpResponse response = HttpResponse.create().withStatus(StatusCodes.OK)
        .withEntity(ContentTypes.APPLICATION_JSON, bytes);
    return index.map(i -> withIndex(response, i)).orElse(response);
  }

  private static HttpResponse withIndex(HttpResponse response, long index) {
    return response.addHeader(RawHeader.create(INDEX_HEADER, Long.toString(index)))
        .addHeader(RawHeader.create(KNOWN_LEADER_HEADER, "true"));
  }

  private Route error(ApiException e) {
    return complete(errorResponse(e));
  }

  private static HttpResponse errorResponse(ApiException e) {
    if (e.code() == ApiException.Code.INTERNAL) {
      LOG.error("HTTP API call failed: {}", e.getMessage());
    }
    return HttpResponse.create().withStatus(e.code().httpStatus())
        .withEntity(ContentTypes.TEXT_PLAIN_UTF8, e.getMessage());
  }

  private static boolean truthy(String v) {
    return v.isEmpty() || v.equals("1") || v.equalsIgnoreCase("true");
  }
}


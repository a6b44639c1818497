package io.meshfed.server.api.http;

import io.meshfed.protocol.errors.Failures;
import static org.apache.pekko.http.javadsl.server.PathMatchers.segment;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.meshfed.server.acl.Access;
import io.meshfed.server.acl.Acl;
import io.meshfed.server.endpoint.AclEndpoint;
import io.meshfed.protocol.model.AclPolicy;
import io.meshfed.server.acl.Tokens;
import io.meshfed.server.api.BlockingReads;
import io.meshfed.server.api.ErrorText;
import io.meshfed.server.api.listener.RequestBudget;
import io.meshfed.server.config.ServerConfig;
import org.apache.pekko.http.javadsl.server.ExceptionHandler;
import org.apache.pekko.http.javadsl.server.RejectionHandler;
import org.apache.pekko.http.scaladsl.model.EntityStreamException;
import org.apache.pekko.http.scaladsl.model.EntityStreamSizeException;
import io.meshfed.protocol.errors.ApiException;
import io.meshfed.server.endpoint.AgentEndpoint;
import io.meshfed.server.endpoint.CatalogEndpoint;
import io.meshfed.server.endpoint.FederationStateEndpoint;
import io.meshfed.server.endpoint.FederationStatusEndpoint;
import io.meshfed.server.endpoint.OperatorEndpoint;
import io.meshfed.actors.store.QueryOptions;
import io.meshfed.actors.store.StoreClient;
import io.meshfed.persistence.store.DcStore.QueryResult;
import io.meshfed.protocol.model.CheckServiceNode;
import io.meshfed.protocol.model.GoDuration;
import io.meshfed.protocol.model.HealthCheck;
import io.meshfed.protocol.model.Json;
import io.meshfed.protocol.model.Quote;
import java.time.Duration;
import java.nio.charset.StandardCharsets;
import io.meshfed.protocol.model.FederationState;
import io.meshfed.protocol.model.FederationStateOp;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import java.util.function.Supplier;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpCharsets;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.HttpHeader;
import org.apache.pekko.http.javadsl.model.Uri;
import org.apache.pekko.http.javadsl.model.HttpMethods;
import org.apache.pekko.http.javadsl.model.MediaTypes;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.model.headers.RawHeader;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.PathMatcher0;
import org.apache.pekko.http.javadsl.server.Route;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP API (docs/http-api.md), in Consul's paths and JSON shapes. Errors are plain text with the
 * status of their {@link ApiException.Code}; reads carry {@code X-Meshfed-Index}.
 */
public final class HttpApi extends AllDirectives {
  public static final String TOKEN_HEADER = Tokens.HEADER;
  public static final String INDEX_HEADER = "X-Meshfed-Index";
  public static final String KNOWN_LEADER_HEADER = "X-Meshfed-KnownLeader";
  /** Set to {@code true} on a read that left out entries the token cannot read (Consul's X-Consul-Results-Filtered-By-ACLs). */
  public static final String FILTERED_HEADER = "X-Meshfed-Results-Filtered-By-ACLs";
  private static final Logger LOG = LoggerFactory.getLogger(HttpApi.class);
  private static final PathMatcher0 INTERNAL = segment("v1").slash("internal");
  /** Past an endpoint's own deadline (the store's or a forwarded call's, 10 s over any wait). */
  private static final Duration DEADLINE_MARGIN = Duration.ofSeconds(15);

  private final FederationStateEndpoint federation;
  private final CatalogEndpoint catalog;
  private final OperatorEndpoint operator;
  private final AgentEndpoint agent;
  private final Acl acl;
  private final AclEndpoint acls;
  private final ServerConfig.HttpLimits limits;
  private final Supplier<String> moreMetrics;
  private final BlockingReads blockingReads;
  private final RequestBudget budget;
  private final ObjectMapper json = Json.mapper();
  private final FederationStream stream;

  public HttpApi(FederationStateEndpoint federation, CatalogEndpoint catalog, OperatorEndpoint operator,
      AgentEndpoint agent, AclEndpoint acls, Acl acl, ServerConfig.HttpLimits limits, Supplier<String> moreMetrics,
      BlockingReads blockingReads, RequestBudget budget) {
    this.federation = federation;
    this.acls = acls;
    this.catalog = catalog;
    this.operator = operator;
    this.agent = agent;
    this.acl = acl;
    this.limits = limits;
    this.moreMetrics = moreMetrics;
    this.blockingReads = blockingReads;
    this.budget = budget;
    this.stream = new FederationStream(t -> operator.federation(t, ""), blockingReads,
        FederationStatusEndpoint.OBSERVE_INTERVAL, json);
  }

  /**
   * Every route, sealed: a rejection (no such path, wrong method, bad query string) and an
   * exception answer with one line too, and a request that outlives its timeout gets meshfed's 503.
   */
  public Route route() {
    return withRequestTimeoutResponse(HttpApi::timedOut, () -> routes())
        .seal(RejectionHandler.defaultHandler().mapRejectionResponse(HttpApi::oneLineRejection),
            ExceptionHandler.newBuilder().matchAny(e -> complete(errorResponse(ApiException.from(e)))).build());
  }

  /**
   * With ACLs on, this server checks the token of every call it receives, reads too, before
   * anything is forwarded to another DC (which checks it again): as the gRPC API does. Here only
   * whether the token is known (or absent: the anonymous token); the endpoint checks the resource,
   * or leaves out of a list what the token cannot read.
   */
  private Route routes() {
    return concat(uiRoutes(), withToken(token -> extractMethod(method -> method == HttpMethods.GET && !acl.known(token)
        ? error(ApiException.permissionDenied("ACL not found")) : apiRoutes(token))));
  }

  /**
   * The map of the federation: static files from the jar, served without a token (they hold no
   * data; the page sends the token with its API calls). The policy lets the page run only its
   * own script and talk only to this server, so a name that slipped past the page's escaping
   * still could not run or load anything.
   */
  private Route uiRoutes() {
    return concat(
        path("ui", () -> redirect(Uri.create("/ui/"), StatusCodes.MOVED_PERMANENTLY)),
        pathPrefix("ui", () -> get(() -> respondWithHeaders(UI_HEADERS, () -> concat(
            pathSingleSlash(() -> getFromResource(UI_RESOURCES + "/index.html", ContentTypes.TEXT_HTML_UTF8)),
            getFromResourceDirectory(UI_RESOURCES))))));
  }

  private static final String UI_RESOURCES = "io/meshfed/server/ui";
  private static final List<HttpHeader> UI_HEADERS = List.of(
      RawHeader.create("Content-Security-Policy", "default-src 'none'; script-src 'self'; style-src 'self';"
          + " img-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"),
      RawHeader.create("X-Content-Type-Options", "nosniff"),
      RawHeader.create("Referrer-Policy", "no-referrer"),
      RawHeader.create("Cache-Control", "no-cache"));

  private Route apiRoutes(String token) {
    return concat(
        federationStateRoutes(token),
        catalogRoutes(token),
        aclRoutes(token),
        path(segment("v1").slash("agent").slash("members"), () -> get(() ->
            parameterOptional("wan", wan -> respondNow(() ->
                jsonResponse(operator.members(token, wan.map(HttpApi::truthy).orElse(false)), Optional.empty()))))),
        path(segment("v1").slash("agent").slash("force-leave").slash(segment()), node -> put(() ->
            parameterOptional("wan", wan -> parameterOptional("prune", prune ->
                respond(operator.forceLeave(token, node, wan.map(HttpApi::truthy).orElse(false),
                    prune.map(HttpApi::truthy).orElse(false)), r -> jsonResponse(HttpBodies.ForceLeft.of(r),
                    Optional.empty())))))),
        pathPrefix(segment("v1").slash("agent").slash("force-leave"), () -> pathEndOrSingleSlash(() -> put(() ->
            error(ApiException.invalid("Missing node name"))))),
        path(segment("v1").slash("operator").slash("routines"), () -> get(() ->
            respond(operator.routines(token), r -> jsonResponse(HttpBodies.Routines.of(r), Optional.empty())))),
        path(segment("v1").slash("operator").slash("federation").slash("stream"), () -> get(() ->
            completeWithFuture(stream.open(token).handle((events, err) -> err == null
                ? HttpResponse.create().withStatus(StatusCodes.OK).addHeader(RawHeader.create("Cache-Control", "no-store"))
                    .withEntity(HttpEntities.createChunked(MediaTypes.TEXT_EVENT_STREAM.toContentType(), events))
                : errorResponse(ApiException.from(err)))))),
        path(segment("v1").slash("operator").slash("federation"), () -> get(() ->
            parameterOptional("dc", dc -> respond(operator.federation(token, dc.orElse("")),
                status -> jsonResponse(status, Optional.empty()))))),
        path(segment("v1").slash("agent").slash("gateway-locator"), () -> get(() ->
            respondNow(() -> jsonResponse(HttpBodies.GatewayLocator.of(agent.gatewayLocator(token)), Optional.empty())))),
        // Prometheus text 0.0.4 (Consul serves it with ?format=prometheus; it is the only format here)
        path(segment("v1").slash("agent").slash("metrics"), () -> get(() ->
            respondNow(() -> HttpResponse.create().withStatus(StatusCodes.OK).withEntity(
                ContentTypes.create(MediaTypes.TEXT_PLAIN, HttpCharsets.UTF_8),
                (agent.metrics(token) + moreMetrics.get()).getBytes(StandardCharsets.UTF_8))))),
        path(segment("v1").slash("agent").slash("reload"), () -> put(() ->
            respondNow(() -> jsonResponse(new HttpBodies.Reloaded(agent.reload(token)), Optional.empty())))),
        // Consul's snapshot endpoint: the file itself, with the store index it reflects.
        path(segment("v1").slash("snapshot"), () -> get(() ->
            respond(operator.snapshot(token), snap -> HttpResponse.create().withStatus(StatusCodes.OK)
                .addHeader(RawHeader.create(INDEX_HEADER, Long.toString(snap.index())))
                .withEntity(ContentTypes.APPLICATION_OCTET_STREAM, snap.file())))),
        path(segment("v1").slash("status").slash("leader"), () -> get(() ->
            respondNow(() -> jsonResponse(operator.leader(token), Optional.empty())))));
  }

  private Route federationStateRoutes(String token) {
    return concat(
        path(INTERNAL.slash("federation-states"), () -> get(() -> withQuery(q ->
            respond(federation.list(token, q), r -> read(r))))),
        path(INTERNAL.slash("federation-states").slash("rollout"), () -> get(() ->
            parameterList("remove", remove -> respond(federation.rollout(token, remove), r ->
                jsonResponse(HttpBodies.GatewayRollout.of(r), Optional.empty()))))),
        path(INTERNAL.slash("federation-states").slash("decommissioned"), () -> get(() ->
            respond(federation.decommissioned(token), list -> jsonResponse(list.stream()
                .map(HttpBodies.Decommissioned::of).toList(), Optional.empty())))),
        path(INTERNAL.slash("federation-state").slash(segment()).slash("recommission"), dc -> put(() ->
            respond(federation.recommission(token, dc), w ->
                jsonResponse(new HttpBodies.WriteResponse(w.index(), w.applied()), Optional.of(w.index()))))),
        path(INTERNAL.slash("federation-state").slash(segment()), dc -> delete(() ->
            parameterOptional("decommission", decommission -> respond(federation.apply(token,
                    FederationStateOp.DELETE.wireName(), new FederationState(dc, List.of(), null, 0, 0, 0),
                    decommission.map(HttpApi::truthy).orElse(false)), w ->
                jsonResponse(new HttpBodies.WriteResponse(w.index(), w.applied()), Optional.of(w.index())))))),
        path(INTERNAL.slash("federation-states").slash("mesh-gateways"), () -> get(() -> withQuery(q ->
            respond(federation.listMeshGateways(token, q), r -> read(r))))),
        path(INTERNAL.slash("federation-state").slash(segment()), dc -> get(() -> withQuery(q ->
            respond(federation.get(token, dc, q), r -> r.value() == null
                ? withIndex(HttpResponse.create().withStatus(StatusCodes.NOT_FOUND), r.index())
                : jsonResponse(new HttpBodies.FederationStateResponse(r.value(), r.index(), true),
                    Optional.of(r.index())))))),
        path(INTERNAL.slash("federation-state"), () -> put(() ->
            withBody(token, HttpBodies.FederationStateRequest.class, body ->
                respond(federation.apply(token, body.op(), body.state()), w ->
                    jsonResponse(new HttpBodies.WriteResponse(w.index(), w.applied()), Optional.of(w.index())))))),
        pathPrefix(INTERNAL.slash("federation-state"), () -> pathEndOrSingleSlash(() -> get(() ->
            error(ApiException.invalid("Missing datacenter name"))))));
  }

  private Route catalogRoutes(String token) {
    return concat(
        path(segment("v1").slash("catalog").slash("register"), () -> put(() ->
            withBody(token, HttpBodies.RegisterRequest.class, body ->
                respond(catalog.register(token, body.toNode(), body.service(), body.allChecks()), w ->
                    jsonResponse(true, Optional.of(w.index())))))),
        path(segment("v1").slash("catalog").slash("deregister"), () -> put(() ->
            withBody(token, HttpBodies.DeregisterRequest.class, body ->
                respond(catalog.deregister(token, body.datacenter(), body.node(), body.serviceId(), body.checkId()),
                    w -> jsonResponse(true, Optional.of(w.index())))))),
        path(segment("v1").slash("catalog").slash("check-update"), () -> put(() ->
            withBody(token, HttpBodies.CheckUpdateRequest.class, body ->
                respond(catalog.updateCheck(token, body.node(), body.checkId(), body.status(), body.output()),
                    w -> jsonResponse(true, Optional.of(w.index())))))),
        path(segment("v1").slash("catalog").slash("service").slash(segment()), name -> get(() -> withQuery(q ->
            respond(catalog.services(token, name, "", q), r ->
                read(r, r.value().stream().map(HttpBodies.ServiceNode::of).toList()))))),
        path(segment("v1").slash("health").slash("service").slash(segment()), name -> get(() -> withQuery(q ->
            parameterOptional("passing", passing -> respond(catalog.services(token, name, "", q), r ->
                read(r, passing.isPresent() ? onlyPassing(r.value()) : r.value())))))),
        path(INTERNAL.slash("catalog").slash("services"), () -> get(() -> withQuery(q ->
            parameterOptional("kind", kind -> respond(catalog.services(token, "", kind.orElse(""), q), r ->
                read(r)))))));
  }

  /** Consul's ACL paths: {@code /v1/acl/bootstrap}, {@code /v1/acl/policy[/NAME]}, {@code /v1/acl/token[/ID]}, lists. */
  private Route aclRoutes(String token) {
    PathMatcher0 aclPath = segment("v1").slash("acl");
    return concat(
        // No token yet, so no body gate: the endpoint refuses every bootstrap after the first.
        path(aclPath.slash("bootstrap"), () -> put(() ->
            respond(acls.bootstrap(), a -> jsonResponse(HttpBodies.AclTokenBody.of(a), Optional.empty())))),
        path(aclPath.slash("policy"), () -> put(() -> withBody(token, AclPolicy.class, body ->
            respond(acls.writePolicy(token, body), p -> jsonResponse(p, Optional.empty()))))),
        path(aclPath.slash("policy").slash(segment()), name -> concat(
            put(() -> withBody(token, AclPolicy.class, body -> body.name().isEmpty() || body.name().equals(name)
                ? respond(acls.writePolicy(token, new AclPolicy(name, body.description(), body.rules(), 0, 0)),
                    p -> jsonResponse(p, Optional.empty()))
                : error(ApiException.invalid("the policy's Name " + Quote.of(body.name())
                    + " differs from the name in the path " + Quote.of(name))))),
            get(() -> withQuery(q -> respond(acls.list(token, q, false), r -> r.value().policies().stream()
                .filter(p -> p.name().equals(name)).findFirst()
                .map(p -> jsonResponse(p, Optional.of(r.index())))
                .orElseGet(() -> errorResponse(new ApiException(ApiException.Code.NOT_FOUND,
                    "ACL policy " + Quote.of(name) + " not found")))))),
            delete(() -> respond(acls.deletePolicy(token, name), w -> jsonResponse(true, Optional.of(w.index())))))),
        path(aclPath.slash("policies"), () -> get(() -> withQuery(q ->
            respond(acls.list(token, q, false), r -> read(r, r.value().policies()))))),
        path(aclPath.slash("token"), () -> put(() -> withBody(token, HttpBodies.AclTokenRequest.class, body ->
            respond(acls.writeToken(token, body.toWrite("")), a -> jsonResponse(HttpBodies.AclTokenBody.of(a),
                Optional.empty()))))),
        path(aclPath.slash("token").slash(segment()), accessor -> concat(
            put(() -> withBody(token, HttpBodies.AclTokenRequest.class, body ->
                respond(acls.writeToken(token, body.toWrite(accessor)),
                    a -> jsonResponse(HttpBodies.AclTokenBody.of(a), Optional.empty())))),
            get(() -> withQuery(q -> respond(acls.list(token, q, false), r -> r.value().tokens().stream()
                .filter(t -> t.accessorId().equals(accessor)).findFirst()
                .map(t -> jsonResponse(HttpBodies.AclTokenBody.of(t, ""), Optional.of(r.index())))
                .orElseGet(() -> errorResponse(new ApiException(ApiException.Code.NOT_FOUND,
                    "ACL token " + Quote.of(accessor) + " not found")))))),
            delete(() -> respond(acls.deleteToken(token, accessor), w -> jsonResponse(true, Optional.of(w.index())))))),
        path(aclPath.slash("tokens"), () -> get(() -> withQuery(q ->
            respond(acls.list(token, q, false), r -> read(r, r.value().tokens().stream()
                .map(t -> HttpBodies.AclTokenBody.of(t, "")).toList()))))));
  }

  private static List<CheckServiceNode> onlyPassing(List<CheckServiceNode> nodes) {
    return nodes.stream()
        .filter(n -> n.checks().stream().allMatch(c -> HealthCheck.PASSING.equals(c.status())))
        .toList();
  }

  private Route withToken(Function<String, Route> inner) {
    return optionalHeaderValueByName(TOKEN_HEADER, token ->
        optionalHeaderValueByName("Authorization", auth -> inner.apply(Tokens.of(token, auth))));
  }

  /**
   * Blocking-query parameters: {@code ?dc=}, {@code ?index=N}, {@code ?wait=30s}. A blocking read
   * may take its whole wait, so its request timeout is set past the endpoint's own deadline: the
   * endpoint's answer (or its 503) always comes first.
   */
  private Route withQuery(Function<QueryOptions, Route> inner) {
    return parameterMap(params -> {
      QueryOptions q;
      try {
        q = parseQuery(params);
      } catch (ApiException e) {
        return error(e);
      }
      return q.minIndex() == 0 ? inner.apply(q)
          : withRequestTimeout(requestTimeout(q), HttpApi::timedOut, () -> blocking(() -> inner.apply(q)));
    });
  }

  /** A blocking read holds one of {@link BlockingReads}' slots until its route has completed. */
  private Route blocking(Supplier<Route> read) {
    if (!blockingReads.tryEnter()) {
      return error(blockingReads.refusal());
    }
    return mapRouteResultFuture(result -> result.whenComplete((r, e) -> blockingReads.leave()), read);
  }

  /** How long a blocking read may take: its longest wait, then a margin past the endpoint's deadline. */
  static Duration requestTimeout(QueryOptions q) {
    return q.longestWait().plus(DEADLINE_MARGIN);
  }

  static QueryOptions parseQuery(Map<String, String> params) {
    long index = 0;
    String indexText = params.get("index");
    if (indexText != null && !indexText.isEmpty()) {
      try {
        index = Long.parseUnsignedLong(indexText);
      } catch (NumberFormatException e) {
        throw ApiException.invalid("Invalid index: " + Quote.single(indexText) + " is not a non-negative integer");
      }
    }
    Duration wait = Duration.ZERO;
    String waitText = params.get("wait");
    if (waitText != null && !waitText.isEmpty()) {
      wait = GoDuration.parse(waitText).orElseThrow(() ->
          ApiException.invalid("Invalid wait time: " + Quote.single(waitText) + " (use a duration like 30s or 5m)"));
    }
    return new QueryOptions(params.getOrDefault("dc", ""), index, wait);
  }

  /**
   * A write's body: the token is checked first (every body-carrying call is a write), so a token
   * that can write nothing never has its body read (the endpoint checks what it writes); the body must then arrive in full within the body
   * timeout and the size limit before it is decoded.
   */
  private <T> Route withBody(String token, Class<T> type, Function<T, Route> inner) {
    if (!acl.mayDo(token, Access.WRITE)) {
      return error(ApiException.permissionDenied());
    }
    return extractRequestEntity(entity -> {
      long declared = entity.getContentLengthOption().orElse(-1);
      if (declared > limits.maxRequestBody()) {
        return complete(tooLarge());
      }
      // A body without a declared length may grow to the limit: the budget holds that much for it.
      long held = declared >= 0 ? declared : limits.maxRequestBody();
      if (!budget.tryTake(held)) {
        return complete(text(StatusCodes.SERVICE_UNAVAILABLE, budget.exhausted()));
      }
      // Past the body's own timeout by the endpoint's deadline and a margin: the body's 408 comes first.
      return withRequestTimeout(limits.requestBodyTimeout().plus(StoreClient.CALL_TIMEOUT).plus(DEADLINE_MARGIN),
          HttpApi::timedOut, () -> extractMaterializer(materializer -> onComplete(
              entity.toStrict(limits.requestBodyTimeout().toMillis(), limits.maxRequestBody(), materializer)
                  .whenComplete((strict, failure) -> budget.giveBack(held)),
              read -> {
                if (read.isFailure()) {
                  return complete(bodyNotRead(read.failed().get()));
                }
                try {
                  return inner.apply(RequestBodies.decode(json, read.get().getData().toArray(), type));
                } catch (ApiException e) {
                  return error(e);
                }
              })));
    });
  }

  private HttpResponse bodyNotRead(Throwable failure) {
    Throwable cause = Failures.unwrap(failure);
    if (cause instanceof EntityStreamSizeException) {
      return tooLarge();
    }
    if (cause instanceof java.util.concurrent.TimeoutException) {
      return text(StatusCodes.REQUEST_TIMEOUT, "request body not complete within "
          + limits.requestBodyTimeout().toSeconds() + "s (meshfed.limits.http.request-body-timeout)");
    }
    if (cause instanceof EntityStreamException broken) {
      return text(StatusCodes.BAD_REQUEST, "invalid request body: " + broken.info().summary());
    }
    return errorResponse(ApiException.from(cause));
  }

  private HttpResponse tooLarge() {
    return text(StatusCodes.PAYLOAD_TOO_LARGE, "request body exceeds the limit of " + limits.maxRequestBody()
        + " bytes (meshfed.limits.http.max-request-body)");
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
    return read(r, r.value());
  }

  /** A read's answer with {@code body} made from its value: the index, and whether ACLs left entries out. */
  private HttpResponse read(QueryResult<?> r, Object body) {
    HttpResponse response = jsonResponse(body, Optional.of(r.index()));
    return r.filteredByAcls() ? response.addHeader(RawHeader.create(FILTERED_HEADER, "true")) : response;
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
      LOG.error("HTTP API call failed", e.forLog());
    }
    return text(StatusCodes.get(e.code().httpStatus()), e.getMessage());
  }

  /** Errors are one line of plain text, whatever the message quotes. */
  private static HttpResponse text(org.apache.pekko.http.javadsl.model.StatusCode status, String message) {
    return HttpResponse.create().withStatus(status).withEntity(ContentTypes.TEXT_PLAIN_UTF8, ErrorText.oneLine(message));
  }

  private static HttpResponse timedOut(org.apache.pekko.http.javadsl.model.HttpRequest request) {
    return text(StatusCodes.SERVICE_UNAVAILABLE, "the request did not complete in time; retry");
  }

  /** Pekko's rejection texts (404, 405, a malformed query) can quote the request: made one bounded line. */
  private static HttpResponse oneLineRejection(HttpResponse response) {
    if (!(response.entity() instanceof org.apache.pekko.http.javadsl.model.HttpEntity.Strict strict)) {
      return response;
    }
    return response.withEntity(ContentTypes.TEXT_PLAIN_UTF8, ErrorText.oneLine(strict.getData().utf8String()));
  }

  private static boolean truthy(String v) {
    return v.isEmpty() || v.equals("1") || v.equalsIgnoreCase("true");
  }
}


package io.meshfed.server.api.grpc;

import io.grpc.Status;
import io.meshfed.server.acl.Access;
import io.meshfed.server.acl.Acl;
import io.meshfed.server.acl.Tokens;
import io.meshfed.server.api.ErrorText;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import org.apache.pekko.grpc.GrpcServiceException;
import org.apache.pekko.http.javadsl.model.ContentType;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.HttpHeader;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.headers.RawHeader;
import org.apache.pekko.stream.Materializer;
import org.apache.pekko.stream.KillSwitches;
import org.apache.pekko.stream.javadsl.Keep;
import org.apache.pekko.stream.javadsl.Sink;
import io.meshfed.server.api.listener.RequestBudget;
import org.apache.pekko.util.ByteString;
import org.apache.pekko.util.ByteStringBuilder;
import org.apache.pekko.actor.typed.ActorSystem;

/**
 * What every gRPC call passes before a service sees it, in the order that keeps work small: the
 * message encoding (only uncompressed messages: a small compressed message can inflate without
 * bound), the token (checked from the headers, before a byte of the message is read), and the
 * message itself, whose declared length (gRPC's 5-byte prefix) is checked before its body is
 * buffered, and which must arrive within a time limit.
 */
public final class GrpcGate implements Function<HttpRequest, CompletionStage<HttpResponse>> {
  /** Calls that change state; every other call reads. */
  private static final Set<String> WRITES = Set.of(
      "/meshfed.v1.FederationStateService/Apply",
      "/meshfed.v1.CatalogService/Register",
      "/meshfed.v1.CatalogService/Deregister",
      "/meshfed.v1.CatalogService/UpdateCheck",
      "/meshfed.v1.AclService/WritePolicy",
      "/meshfed.v1.AclService/DeletePolicy",
      "/meshfed.v1.AclService/WriteToken",
      "/meshfed.v1.AclService/DeleteToken");
  private static final ContentType.Binary GRPC = ContentTypes.create(
      org.apache.pekko.http.javadsl.model.MediaTypes.applicationBinary("grpc", false));
  /** gRPC's message prefix: a compression flag and a 4-byte big-endian length. */
  private static final int PREFIX_BYTES = 5;
  /** After a refusal, how long and how much of the rest of the request is read and dropped. */
  private static final Duration DRAIN_GRACE = Duration.ofSeconds(2);
  private static final long DRAIN_BYTES = 4L * 1024 * 1024;

  private final Function<HttpRequest, CompletionStage<HttpResponse>> services;
  private final Acl acl;
  private final RequestBudget budget;
  private final long maxMessageBytes;
  private final Duration messageTimeout;
  private final Materializer materializer;
  private final org.apache.pekko.actor.Scheduler scheduler;
  private final scala.concurrent.ExecutionContext executor;

  public GrpcGate(Function<HttpRequest, CompletionStage<HttpResponse>> services, Acl acl, RequestBudget budget,
      long maxMessageBytes, Duration messageTimeout, ActorSystem<?> system) {
    this.services = services;
    this.acl = acl;
    this.budget = budget;
    this.maxMessageBytes = maxMessageBytes;
    this.messageTimeout = messageTimeout;
    this.materializer = Materializer.matFromSystem(system);
    this.scheduler = system.classicSystem().scheduler();
    this.executor = system.executionContext();
  }

  @Override
  public CompletionStage<HttpResponse> apply(HttpRequest request) {
    Optional<String> encoding = header(request, "grpc-encoding");
    if (encoding.isPresent() && !encoding.get().equals("identity")) {
      return refuse(request, Status.UNIMPLEMENTED, "message compression (grpc-encoding " + encoding.get()
          + ") is not supported: send messages uncompressed");
    }
    String token = Tokens.of(header(request, Tokens.HEADER), header(request, "authorization"));
    // Before the message is read: a write needs a token that can write something, a read a known
    // token (or none: the anonymous token). The endpoint then checks the resource.
    boolean write = WRITES.contains(request.getUri().path());
    if (write ? !acl.mayDo(token, Access.WRITE) : !acl.known(token)) {
      return refuse(request, Status.PERMISSION_DENIED, write ? "Permission denied" : "Permission denied: ACL not found");
    }
    Optional<Long> declared = request.entity().getContentLengthOption().stream().boxed().findFirst();
    if (declared.isPresent() && declared.get() > maxMessageBytes + PREFIX_BYTES) {
      return refuse(request, Status.RESOURCE_EXHAUSTED, tooLarge(declared.get() - PREFIX_BYTES));
    }
    MessageBound bound = new MessageBound();
    return read(request, bound).thenCompose(read -> read.refusal() != null
        ? CompletableFuture.completedFuture(trailersOnly(read.refusal(), read.description()))
        : services.apply(request.withEntity(HttpEntities.create(GRPC, read.message())))
            .thenApply(response -> unknownMethod(request, response)))
        // Once the service has the message (decoded, for a watch too) its bytes leave the budget.
        .whenComplete((response, failure) -> bound.release());
  }

  /** The request message in full, or why it was refused. */
  private record Read(ByteString message, Status refusal, String description) {}

  /**
   * Reads the request's one message with its bounds, holding its bytes against the shared request
   * budget. A refusal is answered while the request's remaining bytes are still read and dropped
   * for a short while: cancelling the request stream at once would reset it before the answer left,
   * and the client would see only CANCELLED. {@link #DRAIN_GRACE} after the refusal, or after
   * {@link #DRAIN_BYTES} more, the stream is cut off.
   */
  private CompletionStage<Read> read(HttpRequest request, MessageBound bound) {
    CompletableFuture<Read> result = new CompletableFuture<>();
    org.apache.pekko.actor.Cancellable deadline = scheduler.scheduleOnce(messageTimeout,
        () -> result.complete(new Read(null, Status.DEADLINE_EXCEEDED, "the request message did not arrive within "
            + messageTimeout.toSeconds() + "s (meshfed.limits.grpc.request-message-timeout)")), executor);
    var running = request.entity().getDataBytes()
        .viaMat(KillSwitches.single(), Keep.right())
        .takeWhile(bytes -> !result.isDone() || !bound.drainedEnough())
        .toMat(Sink.foreach(bytes -> {
          if (result.isDone()) {
            bound.drop(bytes);
          } else {
            bound.add(bytes).ifPresent(result::complete);
          }
        }), Keep.both())
        .run(materializer);
    running.second().whenComplete((done, failure) -> {
      deadline.cancel();
      result.complete(failure == null ? bound.framed()
          : new Read(null, Status.CANCELLED, "the request was cancelled before its message arrived"));
    });
    result.whenComplete((read, e) -> {
      if (read.refusal() != null) {
        scheduler.scheduleOnce(DRAIN_GRACE, () -> running.first().shutdown(), executor);
      }
    });
    return result;
  }

  /**
   * Collects a request's bytes against the budget; the message prefix is checked as soon as it is
   * complete, so an oversized message is refused before its body is held.
   */
  private final class MessageBound {
    private final ByteStringBuilder bytes = ByteString.createBuilder();
    private long held;
    private boolean released;
    private boolean prefixChecked;
    private long dropped;

    /** Why the request is refused, once its bytes show it: too large, or the budget spent. */
    synchronized Optional<Read> add(ByteString chunk) {
      if (released) {
        drop(chunk);
        return Optional.empty();
      }
      if (!budget.tryTake(chunk.size())) {
        return Optional.of(new Read(null, Status.RESOURCE_EXHAUSTED, budget.exhausted()));
      }
      held += chunk.size();
      bytes.append(chunk);
      if (!prefixChecked && bytes.length() >= PREFIX_BYTES) {
        prefixChecked = true;
        long length = declaredLength(bytes.result());
        if (length > maxMessageBytes) {
          return Optional.of(new Read(null, Status.RESOURCE_EXHAUSTED, tooLarge(length)));
        }
      }
      // Every call of the API takes one message; more bytes than one message can hold are too many.
      if (bytes.length() > maxMessageBytes + PREFIX_BYTES) {
        return Optional.of(new Read(null, Status.RESOURCE_EXHAUSTED, tooLarge(bytes.length() - PREFIX_BYTES)));
      }
      return Optional.empty();
    }

    /** Bytes after the answer: read only so the answer is not overtaken by a reset, not kept. */
    synchronized void drop(ByteString chunk) {
      dropped += chunk.size();
    }

    synchronized boolean drainedEnough() {
      return dropped >= DRAIN_BYTES;
    }

    /** The message is decoded or refused by now: its bytes no longer count against the budget. */
    synchronized void release() {
      released = true;
      budget.giveBack(held);
      held = 0;
    }

    /**
     * The request as exactly one uncompressed message (gRPC over HTTP/2: a 5-byte prefix, then as
     * many bytes as it declares), or why not. Checked here because Pekko gRPC reports a broken
     * frame as an internal error and logs it, which a client could repeat at will.
     */
    synchronized Read framed() {
      ByteString all = bytes.result();
      if (all.isEmpty()) {
        return new Read(null, Status.INVALID_ARGUMENT, "the request carries no message");
      }
      if (all.size() < PREFIX_BYTES) {
        return new Read(null, Status.INVALID_ARGUMENT, "the request ends inside its 5-byte message prefix");
      }
      if (all.apply(0) != 0) {
        return new Read(null, Status.UNIMPLEMENTED, "compressed messages are not supported: send them uncompressed");
      }
      long declared = declaredLength(all);
      if (declared != all.size() - PREFIX_BYTES) {
        return new Read(null, Status.INVALID_ARGUMENT, "the message prefix declares " + declared + " bytes but "
            + (all.size() - PREFIX_BYTES) + " follow: send exactly one message");
      }
      return new Read(all, null, null);
    }
  }

  /** gRPC's length prefix (5 bytes: a compression flag, then a 4-byte big-endian length). */
  private static long declaredLength(ByteString framed) {
    return ((framed.apply(1) & 0xffL) << 24) | ((framed.apply(2) & 0xffL) << 16) | ((framed.apply(3) & 0xffL) << 8)
        | (framed.apply(4) & 0xffL);
  }

  private String tooLarge(long bytes) {
    return "the request message is " + bytes + " bytes, over the limit of " + maxMessageBytes
        + " bytes (meshfed.limits.grpc.max-message)";
  }

  /**
   * Refuses a call from its headers alone: its message is never read. The answer goes out first;
   * the request stream is then cut off, so a client that goes on sending is stopped.
   */
  private CompletionStage<HttpResponse> refuse(HttpRequest request, Status status, String description) {
    scheduler.scheduleOnce(DRAIN_GRACE,
        () -> request.entity().getDataBytes().runWith(Sink.cancelled(), materializer), executor);
    return CompletableFuture.completedFuture(trailersOnly(status, description));
  }

  /** A path no service serves is gRPC's UNIMPLEMENTED, not a bare HTTP 404 without a status. */
  private static HttpResponse unknownMethod(HttpRequest request, HttpResponse response) {
    if (response.status().intValue() != 404 || response.getHeader("grpc-status").isPresent()) {
      return response;
    }
    return trailersOnly(Status.UNIMPLEMENTED, "unknown method " + request.getUri().path());
  }

  /** gRPC over HTTP/2's Trailers-Only response: the status in the headers, no message. */
  private static HttpResponse trailersOnly(Status status, String description) {
    return HttpResponse.create()
        .withEntity(HttpEntities.create(GRPC, new byte[0]))
        .addHeader(RawHeader.create("grpc-status", Integer.toString(status.getCode().value())))
        .addHeader(RawHeader.create("grpc-message", percentEncoded(ErrorText.oneLine(description))));
  }

  /** The gRPC spec's Status-Message: bytes outside printable ASCII, and '%', as %XX of UTF-8. */
  private static String percentEncoded(String message) {
    StringBuilder out = new StringBuilder();
    for (byte b : message.getBytes(StandardCharsets.UTF_8)) {
      if (b >= 0x20 && b <= 0x7e && b != '%') {
        out.append((char) b);
      } else {
        out.append('%').append(String.format("%02X", b & 0xff));
      }
    }
    return out.toString();
  }

  private static Optional<String> header(HttpRequest request, String name) {
    return request.getHeader(name).map(HttpHeader::value);
  }
}

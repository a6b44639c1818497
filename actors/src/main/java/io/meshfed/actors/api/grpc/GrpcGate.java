package io.meshfed.actors.api.grpc;

import io.grpc.Status;
import io.meshfed.actors.acl.Acl;
import io.meshfed.actors.acl.Policy;
import io.meshfed.actors.acl.Tokens;
import io.meshfed.actors.api.ErrorText;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import org.apache.pekko.grpc.GrpcServiceException;
import org.apache.pekko.http.javadsl.model.ContentType;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.HttpHeader;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.RequestEntity;
import org.apache.pekko.http.javadsl.model.headers.RawHeader;
import org.apache.pekko.stream.Materializer;
import org.apache.pekko.stream.javadsl.Flow;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.util.ByteString;

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
      "/meshfed.v1.CatalogService/UpdateCheck");
  private static final ContentType.Binary GRPC = ContentTypes.create(
      org.apache.pekko.http.javadsl.model.MediaTypes.applicationBinary("grpc", false));
  /** gRPC's message prefix: a compression flag and a 4-byte big-endian length. */
  private static final int PREFIX_BYTES = 5;

  private final Function<HttpRequest, CompletionStage<HttpResponse>> services;
  private final Acl acl;
  private final long maxMessageBytes;
  private final Duration messageTimeout;
  private final Materializer materializer;

  public GrpcGate(Function<HttpRequest, CompletionStage<HttpResponse>> services, Acl acl, long maxMessageBytes,
      Duration messageTimeout, Materializer materializer) {
    this.services = services;
    this.acl = acl;
    this.maxMessageBytes = maxMessageBytes;
    this.messageTimeout = messageTimeout;
    this.materializer = materializer;
  }

  @Override
  public CompletionStage<HttpResponse> apply(HttpRequest request) {
    Optional<String> encoding = header(request, "grpc-encoding");
    if (encoding.isPresent() && !encoding.get().equals("identity")) {
      return refuse(request, Status.UNIMPLEMENTED, "message compression (grpc-encoding " + encoding.get()
          + ") is not supported: send messages uncompressed");
    }
    String token = Tokens.of(header(request, Tokens.HEADER), header(request, "authorization"));
    Policy needed = WRITES.contains(request.getUri().path()) ? Policy.OPERATOR_WRITE : Policy.OPERATOR_READ;
    if (!acl.allows(token, needed)) {
      return refuse(request, Status.PERMISSION_DENIED, "Permission denied");
    }
    Optional<Long> declared = request.entity().getContentLengthOption().stream().boxed().findFirst();
    if (declared.isPresent() && declared.get() > maxMessageBytes + PREFIX_BYTES) {
      return refuse(request, Status.RESOURCE_EXHAUSTED, tooLarge(declared.get() - PREFIX_BYTES));
    }
    return services.apply(request.withEntity(bounded(request.entity())));
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  private RequestEntity bounded(RequestEntity entity) {
    Flow<ByteString, ByteString, ?> bound = Flow.of(ByteString.class)
        .statefulMap(MessageBound::new, (state, bytes) -> {
          state.check(bytes);
          return org.apache.pekko.japi.Pair.create(state, bytes);
        }, state -> Optional.empty())
        .completionTimeout(messageTimeout)
        .mapError(TimeoutException.class, e -> new GrpcServiceException(Status.DEADLINE_EXCEEDED
            .withDescription("the request message did not arrive within " + messageTimeout.toSeconds()
                + "s (meshfed.limits.grpc.request-message-timeout)")));
    // Every javadsl entity is a scaladsl one; the javadsl request entity has no transformDataBytes.
    return ((org.apache.pekko.http.scaladsl.model.RequestEntity) entity)
        .transformDataBytes((org.apache.pekko.stream.scaladsl.Flow) bound.asScala());
  }

  /** Counts a request's bytes and reads the first message prefix as it goes by. */
  private final class MessageBound {
    private final byte[] prefix = new byte[PREFIX_BYTES];
    private int prefixRead;
    private long total;

    void check(ByteString bytes) {
      for (int i = 0; i < bytes.size() && prefixRead < PREFIX_BYTES; i++) {
        prefix[prefixRead++] = bytes.apply(i);
      }
      if (prefixRead == PREFIX_BYTES) {
        long length = ((prefix[1] & 0xffL) << 24) | ((prefix[2] & 0xffL) << 16) | ((prefix[3] & 0xffL) << 8)
            | (prefix[4] & 0xffL);
        if (length > maxMessageBytes) {
          throw new GrpcServiceException(Status.RESOURCE_EXHAUSTED.withDescription(tooLarge(length)));
        }
      }
      total += bytes.size();
      // Every call of the API takes one message; more bytes than one message can hold are too many.
      if (total > maxMessageBytes + PREFIX_BYTES) {
        throw new GrpcServiceException(Status.RESOURCE_EXHAUSTED.withDescription(tooLarge(total - PREFIX_BYTES)));
      }
    }
  }

  private String tooLarge(long bytes) {
    return "the request message is " + bytes + " bytes, over the limit of " + maxMessageBytes
        + " bytes (meshfed.limits.grpc.max-message)";
  }

  /**
   * A trailers-only response (gRPC over HTTP/2: status in the headers, no body); the request body is
   * cancelled, not read, so the client is told to stop sending it.
   */
  private CompletionStage<HttpResponse> refuse(HttpRequest request, Status status, String description) {
    request.entity().getDataBytes().runWith(Sink.cancelled(), materializer);
    return CompletableFuture.completedFuture(HttpResponse.create()
        .withEntity(HttpEntities.create(GRPC, new byte[0]))
        .addHeader(RawHeader.create("grpc-status", Integer.toString(status.getCode().value())))
        .addHeader(RawHeader.create("grpc-message", percentEncoded(ErrorText.oneLine(description)))));
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

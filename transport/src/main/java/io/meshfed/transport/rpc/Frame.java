package io.meshfed.transport.rpc;

import java.nio.charset.StandardCharsets;

/**
 * One frame of the {@code meshfed/rpc} protocol. The format is our own; every integer is big-endian.
 *
 * <pre>
 * frame       = length:u32 stream-id:i32 type:u8 payload
 *               length counts stream-id, type and payload (at least 5 bytes); a frame longer than
 *               the receiver's maximum (16 MiB by default) closes the connection.
 * stream-id   = chosen by the client for each call: odd, increasing on a connection; 0 for PING/PONG.
 *
 * type  name         payload
 * 0x01  REQUEST      kind:u8 (0 unary, 1 server-stream) deadline-millis:i64 (remaining, &gt; 0)
 *                    method-length:u16 method:UTF-8 request-bytes (the rest)
 * 0x02  RESPONSE     response-bytes (the rest); ends a unary call
 * 0x03  STREAM_ITEM  item-bytes (the rest)
 * 0x04  STREAM_END   empty; ends a stream
 * 0x05  ERROR        code:u8 (gRPC status numbers, {@link RpcCode}) message:UTF-8 (one line); ends a call
 * 0x06  CANCEL       empty; client to server, the caller gave up (cancel or deadline)
 * 0x07  PING         8 opaque bytes; client to server, liveness check while calls are in flight
 * 0x08  PONG         the PING's 8 bytes
 * </pre>
 *
 * The request and response bytes are protobuf messages; this layer treats them as opaque. Frames of
 * unknown stream ids are ignored, because either side may already have ended a call the other is
 * still answering (a CANCEL crossing a RESPONSE).
 */
sealed interface Frame {
  int HEADER_BYTES = 5;
  int REQUEST_FIXED_BYTES = 1 + 8 + 2;

  int streamId();

  /** Bytes after the length prefix. */
  int bodyLength();

  record Request(int streamId, String method, boolean streaming, long deadlineMillis, byte[] payload)
      implements Frame {
    byte[] methodBytes() {
      return method.getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public int bodyLength() {
      return HEADER_BYTES + REQUEST_FIXED_BYTES + methodBytes().length + payload.length;
    }
  }

  record Response(int streamId, byte[] payload) implements Frame {
    @Override
    public int bodyLength() {
      return HEADER_BYTES + payload.length;
    }
  }

  record StreamItem(int streamId, byte[] payload) implements Frame {
    @Override
    public int bodyLength() {
      return HEADER_BYTES + payload.length;
    }
  }

  record StreamEnd(int streamId) implements Frame {
    @Override
    public int bodyLength() {
      return HEADER_BYTES;
    }
  }

  record Error(int streamId, RpcCode code, String message) implements Frame {
    byte[] messageBytes() {
      return message.getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public int bodyLength() {
      return HEADER_BYTES + 1 + messageBytes().length;
    }
  }

  record Cancel(int streamId) implements Frame {
    @Override
    public int bodyLength() {
      return HEADER_BYTES;
    }
  }

  record Ping(long opaque) implements Frame {
    @Override
    public int streamId() {
      return 0;
    }

    @Override
    public int bodyLength() {
      return HEADER_BYTES + 8;
    }
  }

  record Pong(long opaque) implements Frame {
    @Override
    public int streamId() {
      return 0;
    }

    @Override
    public int bodyLength() {
      return HEADER_BYTES + 8;
    }
  }
}

package io.meshfed.transport.rpc;

import io.meshfed.protocol.names.WireConstants;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/** A blocking socket speaking the frame format by hand, to test the server against bytes we choose. */
final class RawConnection implements AutoCloseable {
  record RawFrame(int streamId, byte type, byte[] payload) {}

  private final Socket socket;
  private final DataOutputStream out;
  private final DataInputStream in;

  RawConnection(InetSocketAddress address) throws IOException {
    socket = new Socket(address.getAddress(), address.getPort());
    socket.setSoTimeout(10_000);
    out = new DataOutputStream(socket.getOutputStream());
    in = new DataInputStream(socket.getInputStream());
    out.writeByte(WireConstants.TYPE_RPC);
  }

  void writeRequest(int streamId, String method, long deadlineMillis) throws IOException {
    byte[] name = method.getBytes(StandardCharsets.UTF_8);
    out.writeInt(Frame.HEADER_BYTES + Frame.REQUEST_FIXED_BYTES + name.length);
    out.writeInt(streamId);
    out.writeByte(FrameType.REQUEST);
    out.writeByte(FrameType.KIND_UNARY);
    out.writeLong(deadlineMillis);
    out.writeShort(name.length);
    out.write(name);
    out.flush();
  }

  /** Writes a length prefix (and a few bytes) announcing a frame of the given size. */
  void writeLengthOnly(int length) throws IOException {
    out.writeInt(length);
    out.write(new byte[16]);
    out.flush();
  }

  RawFrame readFrame() throws IOException {
    int length = in.readInt();
    int streamId = in.readInt();
    byte type = in.readByte();
    byte[] payload = new byte[length - Frame.HEADER_BYTES];
    in.readFully(payload);
    return new RawFrame(streamId, type, payload);
  }

  /** True if the server closed the connection (end of stream) before the read timeout. */
  boolean closedByPeer() throws IOException {
    return in.read() == -1;
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}

package io.meshfed.transport.rpc;

/** The type byte of each frame (see {@link Frame} for the layout). */
final class FrameType {
  static final byte REQUEST = 0x01;
  static final byte RESPONSE = 0x02;
  static final byte STREAM_ITEM = 0x03;
  static final byte STREAM_END = 0x04;
  static final byte ERROR = 0x05;
  static final byte CANCEL = 0x06;
  static final byte PING = 0x07;
  static final byte PONG = 0x08;

  static final byte KIND_UNARY = 0;
  static final byte KIND_STREAM = 1;

  private FrameType() {}
}

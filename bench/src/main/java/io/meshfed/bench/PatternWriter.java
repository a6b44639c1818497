package io.meshfed.bench;

import io.netty.channel.Channel;

/**
 * Writes {@code length} bytes of {@link Payload} as fast as the channel takes them, and no faster:
 * {@link #pump} stops when the channel turns unwritable and must be called again when it turns
 * writable, so memory stays bounded by the write-buffer water mark however slow the peer is.
 */
final class PatternWriter {
  private final Channel channel;
  private long remaining;

  PatternWriter(Channel channel, long length) {
    this.channel = channel;
    this.remaining = length;
  }

  /** Writes while the channel is writable; true once every byte has been handed to the channel. */
  boolean pump() {
    while (remaining > 0 && channel.isWritable()) {
      var chunk = Payload.chunk(remaining);
      remaining -= chunk.readableBytes();
      channel.write(chunk, channel.voidPromise());
    }
    channel.flush();
    return remaining == 0;
  }
}

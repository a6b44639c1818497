package io.meshfed.bench;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.ByteBuffer;
import java.util.Random;
import java.util.zip.CRC32C;

/**
 * The bytes of every bulk transfer: one random 64 KiB block repeated, each transfer starting at the
 * block's first byte. Both sides know the content without exchanging it, so a checksum proves the
 * data arrived intact. Random bytes because nothing on the path may profit from compressible data.
 */
final class Payload {
  static final int BLOCK_BYTES = 64 * 1024;
  /** Fixed seed: the client and the server must build the same block. */
  private static final long SEED = 0x6d657368666564L;

  /** Direct and unreleasable: every write hands out a view of it, and nobody may free it. */
  private static final ByteBuf BLOCK = Unpooled.unreleasableBuffer(block());

  private Payload() {}

  /** The next chunk of a transfer with {@code remaining} bytes left: a view of the block, never a copy. */
  static ByteBuf chunk(long remaining) {
    return remaining >= BLOCK_BYTES ? BLOCK.duplicate() : BLOCK.slice(0, (int) remaining);
  }

  /** CRC32C of the first {@code length} bytes of the repeated block. */
  static long checksum(long length) {
    CRC32C crc = new CRC32C();
    ByteBuffer block = BLOCK.nioBuffer();
    for (long left = length; left > 0; left -= BLOCK_BYTES) {
      ByteBuffer view = block.duplicate();
      view.limit((int) Math.min(left, BLOCK_BYTES));
      crc.update(view);
    }
    return crc.getValue();
  }

  /** Adds the readable bytes of {@code buf} to {@code crc} without moving its reader index. */
  static void update(CRC32C crc, ByteBuf buf) {
    for (ByteBuffer nio : buf.nioBuffers()) {
      crc.update(nio);
    }
  }

  private static ByteBuf block() {
    byte[] bytes = new byte[BLOCK_BYTES];
    new Random(SEED).nextBytes(bytes);
    return Unpooled.directBuffer(BLOCK_BYTES).writeBytes(bytes);
  }
}

package io.meshfed.transport.fuzz;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.handler.codec.ByteToMessageDecoder;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The fuzz contract of the transport's and the gateway's suites: {@code meshfed.fuzz.tries} cases (10,000 by default,
 * the {@code fuzz-long} profile raises it), each from its own seed, drawn from a fixed base so every
 * run is the same; a failing case names its seed and input, and {@code -Dmeshfed.fuzz.seed=0x...}
 * runs that case alone.
 */
public final class FuzzCases {
  public static final int TRIES = Integer.getInteger("meshfed.fuzz.tries", 10_000);
  private static final String REPLAY = System.getProperty("meshfed.fuzz.seed");
  private static final int MAX_HEX_IN_MESSAGE = 2048;

  /** One case: draws from {@code random}, records every write it makes in {@code input}. */
  public interface Case {
    void run(SplittableRandom random, Writes input) throws Exception;
  }

  /** The bytes a case wrote, one entry per write, for the failure report. */
  public static final class Writes {
    private final List<byte[]> writes = new ArrayList<>();

    public byte[] add(byte[] write) {
      writes.add(write);
      return write;
    }

    public String hex() {
      StringBuilder out = new StringBuilder();
      for (byte[] write : writes) {
        out.append(ByteBufUtil.hexDump(write)).append('\n');
      }
      return out.toString();
    }
  }

  private FuzzCases() {}

  /** Runs the cases of one suite; {@code base} seeds the seeds, so suites do not share inputs. */
  public static void run(String suite, long base, Case body) {
    long[] seeds;
    if (REPLAY != null) {
      seeds = new long[] {Long.parseUnsignedLong(REPLAY.replaceFirst("^0[xX]", ""), 16)};
    } else {
      SplittableRandom seedSource = new SplittableRandom(base);
      seeds = new long[TRIES];
      for (int i = 0; i < TRIES; i++) {
        seeds[i] = seedSource.nextLong();
      }
    }
    long started = System.nanoTime();
    for (long seed : seeds) {
      Writes input = new Writes();
      try {
        body.run(new SplittableRandom(seed), input);
      } catch (Throwable failure) {
        String hex = input.hex();
        String head = String.format("%s failed for seed 0x%016x (replay: -Dmeshfed.fuzz.seed=0x%016x)", suite, seed, seed);
        // The whole input goes to the test's output; the message keeps its start readable.
        System.out.println(head + "\ninput, one write per line (hex):\n" + hex);
        throw new AssertionError(head + ": " + failure.getMessage() + "\ninput (hex, one write per line"
            + (hex.length() > MAX_HEX_IN_MESSAGE ? ", cut; whole in the test output" : "") + "):\n"
            + hex.substring(0, Math.min(hex.length(), MAX_HEX_IN_MESSAGE)), failure);
      }
    }
    System.out.printf("%s: %d cases in %d ms%n", suite, seeds.length, (System.nanoTime() - started) / 1_000_000);
  }

  /** {@code data} cut into 1 to 8 writes at random points, as TCP may deliver it. */
  public static List<byte[]> split(SplittableRandom random, byte[] data) {
    List<byte[]> parts = new ArrayList<>();
    int cuts = random.nextInt(8);
    int at = 0;
    for (int i = 0; i < cuts && at < data.length; i++) {
      int end = at + 1 + random.nextInt(Math.max(1, (data.length - at) / 2));
      parts.add(Arrays.copyOfRange(data, at, Math.min(end, data.length)));
      at = Math.min(end, data.length);
    }
    if (at < data.length || parts.isEmpty()) {
      parts.add(Arrays.copyOfRange(data, at, data.length));
    }
    return parts;
  }

  /** A few random edits: bit flips, boundary values, removed, repeated or inserted ranges, a cut. */
  public static byte[] mutate(SplittableRandom random, byte[] data) {
    byte[] out = data.clone();
    int edits = 1 + random.nextInt(4);
    for (int i = 0; i < edits && out.length > 0; i++) {
      int at = random.nextInt(out.length);
      switch (random.nextInt(7)) {
        case 0 -> out[at] ^= (byte) (1 << random.nextInt(8));
        case 1 -> out[at] = (byte) new int[] {0, 1, 0x7f, 0x80, 0xfe, 0xff}[random.nextInt(6)];
        case 2 -> out[at] = (byte) random.nextInt(256);
        case 3 -> out = concat(Arrays.copyOfRange(out, 0, at),
            Arrays.copyOfRange(out, Math.min(out.length, at + 1 + random.nextInt(16)), out.length));
        case 4 -> out = concat(Arrays.copyOfRange(out, 0, at),
            Arrays.copyOfRange(out, at, Math.min(out.length, at + 1 + random.nextInt(16))),
            Arrays.copyOfRange(out, at, out.length));
        case 5 -> out = concat(Arrays.copyOfRange(out, 0, at), randomBytes(random, 1 + random.nextInt(8)),
            Arrays.copyOfRange(out, at, out.length));
        default -> out = Arrays.copyOf(out, at);
      }
    }
    return out;
  }

  public static byte[] randomBytes(SplittableRandom random, int length) {
    byte[] bytes = new byte[length];
    for (int i = 0; i < length; i++) {
      bytes[i] = (byte) random.nextInt(256);
    }
    return bytes;
  }

  public static byte[] concat(byte[]... parts) {
    int length = 0;
    for (byte[] part : parts) {
      length += part.length;
    }
    byte[] out = new byte[length];
    int at = 0;
    for (byte[] part : parts) {
      System.arraycopy(part, 0, out, at, part.length);
      at += part.length;
    }
    return out;
  }

  /** What a decoder holds back between reads: the bytes a peer makes it buffer. */
  public static int buffered(ByteToMessageDecoder decoder) {
    try {
      Method internalBuffer = ByteToMessageDecoder.class.getDeclaredMethod("internalBuffer");
      internalBuffer.setAccessible(true);
      return ((ByteBuf) internalBuffer.invoke(decoder)).readableBytes();
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException(e);
    }
  }
}

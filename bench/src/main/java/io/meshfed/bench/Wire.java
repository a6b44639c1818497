package io.meshfed.bench;

/**
 * The bench protocol, spoken inside TLS. Every exchange starts with a one-byte command:
 * <ul>
 *   <li>{@link #ECHO}: the server echoes every later byte until the connection closes;</li>
 *   <li>{@link #UPLOAD} + 8-byte length L: the server reads L bytes and answers the 8-byte CRC32C
 *       of what it read; then it waits for the next command;</li>
 *   <li>{@link #DOWNLOAD} + 8-byte length L: the server sends L bytes of {@link Payload}; then it
 *       waits for the next command.</li>
 * </ul>
 * Upload and download are separate commands so that the client can time each direction on all
 * connections at once, with nothing of the other direction in flight.
 */
final class Wire {
  static final byte ECHO = 'E';
  static final byte UPLOAD = 'U';
  static final byte DOWNLOAD = 'D';

  /** Command byte plus the 8-byte length of UPLOAD and DOWNLOAD. */
  static final int BULK_HEADER_BYTES = 1 + Long.BYTES;
  static final int CHECKSUM_BYTES = Long.BYTES;

  private Wire() {}
}

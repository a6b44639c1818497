package io.meshfed.bench;

import java.net.InetSocketAddress;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** {@code HOST:PORT}, resolved once: no connection of a measurement waits for a name lookup. */
final class HostPort implements ITypeConverter<InetSocketAddress> {
  @Override
  public InetSocketAddress convert(String value) {
    int colon = value.lastIndexOf(':');
    if (colon <= 0) {
      throw new TypeConversionException("expected HOST:PORT, got '" + value + "'");
    }
    try {
      InetSocketAddress address = new InetSocketAddress(value.substring(0, colon),
          Integer.parseInt(value.substring(colon + 1)));
      if (address.isUnresolved()) {
        throw new TypeConversionException("cannot resolve " + value.substring(0, colon));
      }
      return address;
    } catch (IllegalArgumentException e) {
      throw new TypeConversionException("bad HOST:PORT '" + value + "': " + e.getMessage());
    }
  }
}

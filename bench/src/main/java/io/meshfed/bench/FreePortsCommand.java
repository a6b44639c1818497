package io.meshfed.bench;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

@Command(name = "free-ports", mixinStandardHelpOptions = true,
    description = "Prints COUNT distinct TCP ports free on 127.0.0.1 right now, space separated.")
final class FreePortsCommand implements Callable<Integer> {
  @Parameters(index = "0", defaultValue = "1", description = "How many ports (default: ${DEFAULT-VALUE}).")
  int count;

  @Override
  public Integer call() throws Exception {
    // All held open until the end, so the kernel cannot hand out the same port twice.
    List<ServerSocket> sockets = new ArrayList<>();
    try {
      for (int i = 0; i < count; i++) {
        sockets.add(new ServerSocket(0, 1, InetAddress.getLoopbackAddress()));
      }
      System.out.println(String.join(" ", sockets.stream().map(s -> String.valueOf(s.getLocalPort())).toList()));
    } finally {
      for (ServerSocket socket : sockets) {
        socket.close();
      }
    }
    return 0;
  }
}

package io.meshfed.cli.demo;

/**
 * One demo datacenter's addresses: DC {@code n} runs its server on 127.0.n.1 and its mesh gateway on
 * 127.0.n.2, with the ports given.
 */
public record DemoDc(int n, int http, int grpc, int serverPort, int lan, int gatewayPort, int admin) {
  public String name() {
    return "dc" + n;
  }

  public String node() {
    return "n" + n;
  }

  public String gatewayName() {
    return "gw" + n;
  }

  public boolean primary() {
    return n == 1;
  }

  public String serverHost() {
    return "127.0." + n + ".1";
  }

  public String gatewayHost() {
    return "127.0." + n + ".2";
  }

  public String httpAddress() {
    return serverHost() + ":" + http;
  }

  public String grpcAddress() {
    return serverHost() + ":" + grpc;
  }

  public String gatewayAddress() {
    return gatewayHost() + ":" + gatewayPort;
  }
}

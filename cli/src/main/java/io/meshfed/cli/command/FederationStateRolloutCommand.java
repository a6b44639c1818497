package io.meshfed.cli.command;

import io.meshfed.cli.CliException;
import io.meshfed.cli.http.ApiClient;
import io.meshfed.cli.http.Json;
import io.meshfed.cli.output.RolloutView;
import io.meshfed.protocol.model.GoDuration;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.LockSupport;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * Shows how far the primary's current gateways have spread, and is the check before removing old
 * ones: with {@code --remove} it refuses (exit 1, naming the DCs) while a DC would know no gateway
 * of the primary that stays, unless {@code --force}. It does not stop a gateway: that is the
 * gateway's own process (SIGTERM, or its service manager), which drains and deregisters.
 */
@Command(name = "rollout", mixinStandardHelpOptions = true,
    description = {"Show which datacenters have replicated the primary's current mesh gateways, and which still "
        + "dial old ones.",
        "With --remove, check that every datacenter knows a gateway of the primary that stays before the named "
            + "ones are stopped; refused (exit 1) otherwise, unless --force."})
final class FederationStateRolloutCommand implements Runnable {
  static final String PATH = "/v1/internal/federation-states/rollout";
  private static final Duration POLL = Duration.ofSeconds(1);

  @Spec
  private CommandSpec spec;

  @Mixin
  private ClientOptions client;

  @Option(names = "--remove", paramLabel = "GATEWAY",
      description = "A gateway of the primary (node name or host:port) about to be removed; repeatable.")
  private List<String> remove = new ArrayList<>();

  @Option(names = "--force", description = "With --remove: exit 0 even when a datacenter would be cut off.")
  private boolean force;

  @Option(names = "--wait", paramLabel = "DURATION",
      description = "Ask again every second until every datacenter has the current gateways (with --remove: until "
          + "the removal is safe), for at most this long, e.g. 2m.")
  private String waitText;

  @Override
  public void run() {
    if (force && remove.isEmpty()) {
      throw new ParameterException(spec.commandLine(), "--force only applies with --remove GATEWAY");
    }
    Duration wait = waitText == null ? Duration.ZERO : GoDuration.parse(waitText).filter(d -> !d.isNegative())
        .orElseThrow(() -> new ParameterException(spec.commandLine(),
            "--wait must be a duration such as 30s or 2m, got '" + waitText + "'"));
    ApiClient api = client.api();
    String path = PATH + (remove.isEmpty() ? "" : "?" + String.join("&",
        remove.stream().map(g -> "remove=" + ApiClient.encode(g)).toList()));
    long deadline = System.nanoTime() + wait.toNanos();
    String body = api.get(path);
    RolloutView.Rollout rollout = Json.read(body, RolloutView.Rollout.class);
    while (!done(rollout) && System.nanoTime() - deadline < 0) {
      LockSupport.parkNanos(POLL.toNanos());
      body = api.get(path);
      rollout = Json.read(body, RolloutView.Rollout.class);
    }
    RolloutView.Rollout last = rollout;
    client.print(body, json -> RolloutView.render(last, Instant.now()));
    if (rollout.removal() == null) {
      if (!wait.isZero() && !rollout.complete()) {
        throw new CliException("not every datacenter has " + rollout.primary() + "'s current gateways after "
            + waitText + ": " + String.join(", ", rollout.datacenters().stream()
                .filter(d -> !"current".equals(d.status())).map(RolloutView.Datacenter::datacenter).toList()));
      }
      return;
    }
    String removing = String.join(", ", remove);
    if (rollout.removal().safe()) {
      client.out().println("Safe to remove " + removing + ": " + rollout.removal().message() + ".");
    } else if (force) {
      client.out().println("WARNING: removing " + removing + " anyway (--force): " + rollout.removal().message());
    } else {
      throw new CliException("refused: " + rollout.removal().message()
          + " (--wait 2m asks again until it is safe; --force removes them anyway)");
    }
    client.out().flush();
  }

  private static boolean done(RolloutView.Rollout r) {
    return r.removal() == null ? r.complete() : r.removal().safe();
  }
}

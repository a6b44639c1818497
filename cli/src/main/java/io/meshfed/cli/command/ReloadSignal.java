package io.meshfed.cli.command;

import io.meshfed.protocol.errors.ApiException;
import java.util.List;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sun.misc.Signal;
import sun.misc.SignalHandler;

/**
 * SIGHUP reloads instead of stopping the process (the JVM's default), as operators of Consul and
 * most daemons expect: a service manager's {@code reload} sends it.
 */
final class ReloadSignal {
  private static final Logger LOG = LoggerFactory.getLogger(ReloadSignal.class);

  private ReloadSignal() {}

  /**
   * @param reload reloads and answers one line per part, or throws with the reason it refused
   * @param what the process, for the log line
   */
  static void install(Supplier<List<String>> reload, String what) {
    SignalHandler before = Signal.handle(new Signal("HUP"), signal -> {
      try {
        List<String> done = reload.get();
        LOG.info("SIGHUP: {} reloaded{}", what, done.isEmpty() ? " (nothing to reload)" : ": " + String.join("; ", done));
      } catch (IllegalArgumentException | ApiException e) {
        // A refusal: its message is the one line that says why.
        LOG.warn("SIGHUP: {}", e.getMessage());
      } catch (RuntimeException e) {
        LOG.error("SIGHUP: reloading {} failed", what, e);
      }
    });
    if (before == SignalHandler.SIG_IGN) {
      // The JVM leaves a signal ignored at its start ignored (nohup does that), handler or not.
      LOG.warn("SIGHUP is ignored in this process (it was started with SIGHUP ignored, as nohup does), so SIGHUP "
          + "will not reload {}; start it without nohup{}", what, what.contains("server")
          ? ", or reload with meshfed reload" : "");
    }
  }
}

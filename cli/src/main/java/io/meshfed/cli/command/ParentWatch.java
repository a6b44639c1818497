package io.meshfed.cli.command;

import java.util.Optional;

/**
 * {@code --parent-pid PID} of {@code server} and {@code gateway}: the process exits (through its
 * shutdown hooks, as on SIGTERM) once that process is gone. {@code meshfed demo} starts its children
 * with it, so that they do not outlive a demo killed with {@code kill -9}.
 */
final class ParentWatch {
  private ParentWatch() {}

  /** Watches {@code pid} when given; exits at once when no such process exists. */
  static void exitWhenGone(Long pid) {
    if (pid == null) {
      return;
    }
    Optional<ProcessHandle> parent = ProcessHandle.of(pid);
    if (parent.isEmpty() || !parent.get().isAlive()) {
      System.err.println("meshfed: parent process " + pid + " is gone; exiting");
      System.exit(1);
    }
    // onExit polls a process that is not our child; the JDK's reaper threads are daemons.
    parent.get().onExit().thenRun(() -> {
      System.err.println("meshfed: parent process " + pid + " exited; stopping");
      // Not on the reaper thread: System.exit waits for the shutdown hooks.
      Thread exit = new Thread(() -> System.exit(0), "meshfed-parent-gone");
      exit.setDaemon(true);
      exit.start();
    });
  }
}

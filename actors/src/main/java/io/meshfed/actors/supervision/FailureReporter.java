package io.meshfed.actors.supervision;

import java.util.function.BiConsumer;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.BehaviorInterceptor;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.Signal;
import org.apache.pekko.actor.typed.TypedActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * Turns a child's exception into a report to its parent followed by a normal stop. Left to Pekko,
 * the failure would be logged a second time, with its stack trace, by the parent, and a failure
 * during setup would look like a plain stop. The report is a message sent before the child stops,
 * so it reaches the parent before the Terminated signal does.
 */
public final class FailureReporter extends BehaviorInterceptor<Object, Object> {
  private final BiConsumer<ActorRef<Object>, Exception> report;

  /** {@code report} gets the failed child and its exception, on the child's thread. */
  public FailureReporter(BiConsumer<ActorRef<Object>, Exception> report) {
    super(Object.class);
    this.report = report;
  }

  /** {@code behavior}, reporting its failures to {@code report}. */
  @SuppressWarnings("unchecked")
  public static Behavior<Object> around(Behavior<?> behavior, BiConsumer<ActorRef<Object>, Exception> report) {
    return Behaviors.intercept(() -> new FailureReporter(report), (Behavior<Object>) behavior);
  }

  @Override
  public Behavior<Object> aroundStart(TypedActorContext<Object> ctx, PreStartTarget<Object> target) {
    try {
      return target.start(ctx);
    } catch (Exception e) {
      return failed(ctx, e);
    }
  }

  @Override
  public Behavior<Object> aroundReceive(TypedActorContext<Object> ctx, Object msg, ReceiveTarget<Object> target) {
    try {
      return target.apply(ctx, msg);
    } catch (Exception e) {
      return failed(ctx, e);
    }
  }

  @Override
  public Behavior<Object> aroundSignal(TypedActorContext<Object> ctx, Signal signal, SignalTarget<Object> target) {
    if (signal instanceof PostStop) {
      return target.apply(ctx, signal); // stopping already: nothing left to replace
    }
    try {
      return target.apply(ctx, signal);
    } catch (Exception e) {
      return failed(ctx, e);
    }
  }

  private Behavior<Object> failed(TypedActorContext<Object> ctx, Exception cause) {
    report.accept(ctx.asJava().getSelf(), cause);
    return Behaviors.stopped();
  }
}

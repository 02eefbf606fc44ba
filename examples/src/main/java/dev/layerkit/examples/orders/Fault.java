package dev.layerkit.examples.orders;

import java.util.Objects;

/**
 * One fault of a chaos run ({@link ChaosSchedule}): something that breaks a part of the running
 * order system, and how to put it back. Each says what it did, for the run's report.
 *
 * <p>Implementations are called from the schedule's one thread: {@link #strike()}, then, after the
 * schedule's hold time, {@link #heal()}.
 */
interface Fault {

  /**
   * Returns the fault's name in the report, such as {@code kill-order-service}.
   *
   * @return the name
   */
  String name();

  /**
   * Breaks the part.
   *
   * @return what was done, for the report
   * @throws Exception if the fault could not be struck (the report says so)
   */
  String strike() throws Exception;

  /**
   * Puts the part back.
   *
   * @return what was done, for the report
   * @throws Exception if the part could not be put back (the report says so)
   */
  String heal() throws Exception;

  /** What a fault does, as a lambda. */
  @FunctionalInterface
  interface Action {
    /**
     * Acts.
     *
     * @return what was done
     * @throws Exception if it failed
     */
    String run() throws Exception;
  }

  /**
   * Returns a fault made of two actions.
   *
   * @param name the fault's name
   * @param strike breaks the part
   * @param heal puts it back
   * @return the fault
   */
  static Fault of(String name, Action strike, Action heal) {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(strike, "strike");
    Objects.requireNonNull(heal, "heal");
    return new Fault() {
      @Override
      public String name() {
        return name;
      }

      @Override
      public String strike() throws Exception {
        return strike.run();
      }

      @Override
      public String heal() throws Exception {
        return heal.run();
      }
    };
  }
}

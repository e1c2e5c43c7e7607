package dev.graft.server.chaos;

/**
 * One kind of trouble a chaos round injects, as a small class of its own so that a new kind (the
 * API stand-in's error bursts, kubeadm's half-join) plugs in without touching the round. Each fault
 * runs on its own thread: {@link #run} waits for its moment (usually through {@link
 * RoundContext#awaitOffset} or {@link RoundContext#awaitCondition}), injects, heals what it broke
 * and records what it did with {@link RoundContext#record}. The round interrupts it when the
 * expansion has ended and then calls {@link #heal}, so a fault never leaves the lab broken.
 */
interface Fault {
  /** Short name in the report: sigkill, link-flap, api-burst, half-join-cp, … */
  String kind();

  /**
   * Called before the expansion is submitted (on the round's thread): arm what must be in place
   * beforehand, such as a command that will fail on its first run.
   */
  default void arm(RoundContext ctx) throws Exception {}

  /** Waits for the fault's moment, injects it, heals it. Returns quietly when interrupted. */
  void run(RoundContext ctx) throws Exception;

  /**
   * How many repeats of {@code invocation} ("kubeadm join …") on {@code host} this fault causes on
   * purpose, so that the round does not count them as duplicates (a command the fault made fail
   * half-way must run again).
   */
  default int excusedRepeats(String host, String invocation) {
    return 0;
  }

  /** Undoes whatever {@link #run} left broken (it may have been interrupted half-way). */
  default void heal(RoundContext ctx) throws Exception {}
}

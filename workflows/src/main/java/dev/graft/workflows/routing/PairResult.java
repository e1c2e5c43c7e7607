package dev.graft.workflows.routing;

/**
 * One cell of the reachability matrix: from a probe in {@code from}'s pod network to a test address
 * in {@code to}'s.
 *
 * @param detail what ping saw, e.g. "3/3 replies, avg 0.12 ms" or "0/3 replies"
 */
public record PairResult(
    String from, String to, String address, boolean reachable, String detail) {}

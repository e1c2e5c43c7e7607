package dev.graft.lab;

/**
 * Addresses of a netns lab. Lab slot {@code k} (0..15) owns 10.213.{16k}.0/20 on bridge {@code
 * graftlab<k>}: the bridge (root namespace side) is .1 of the block and host {@code i} (1-based) is
 * the block's address 10+i, so slot 0 gives 10.213.0.1 and 10.213.0.11, 10.213.0.12, ... A /20
 * holds up to {@link #MAX_HOSTS} hosts; sixteen slots let several labs (parallel test runs) coexist
 * without overlapping routes. Nothing in 10.213.0.0/16 exists outside the lab bridges.
 */
public record AddressPlan(int slot) {
  public static final int SLOTS = 16;
  public static final int PREFIX = 20;
  public static final int MAX_HOSTS = 4000;

  public AddressPlan {
    if (slot < 0 || slot >= SLOTS) {
      throw new IllegalArgumentException("lab slot must be 0.." + (SLOTS - 1) + ": " + slot);
    }
  }

  public String bridge() {
    return "graftlab" + slot;
  }

  public String subnet() {
    return "10.213." + (16 * slot) + ".0/" + PREFIX;
  }

  public String gateway() {
    return offset(1);
  }

  /** Address of host {@code index} (1-based). */
  public String host(int index) {
    if (index < 1 || index > MAX_HOSTS) {
      throw new IllegalArgumentException("host index must be 1.." + MAX_HOSTS + ": " + index);
    }
    return offset(10 + index);
  }

  /** Root-namespace end of host {@code index}'s veth pair (at most 15 characters). */
  public String veth(int index) {
    return "gl" + slot + "h" + index;
  }

  private String offset(int n) {
    return "10.213." + (16 * slot + n / 256) + "." + (n % 256);
  }
}

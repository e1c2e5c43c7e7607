package dev.graft.workflows.plan;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * An IPv4 block. Parsed by hand on purpose: the deterministic core may not touch {@code java.net}
 * (InetAddress would resolve names, which is I/O), and a strict parser also refuses forms that
 * {@code inet_aton} accepts but operators never mean (leading zeros read as octal, "10.1"
 * shorthand).
 *
 * @param base the network address as an unsigned 32-bit value held in a long
 * @param prefix the prefix length, 0..32
 */
public record Cidr(long base, int prefix) {
  public Cidr {
    if (prefix < 0 || prefix > 32) {
      throw new IllegalArgumentException("prefix length " + prefix + " is outside 0..32");
    }
    if ((base & ~mask(prefix) & 0xFFFFFFFFL) != 0 || base < 0 || base > 0xFFFFFFFFL) {
      throw new IllegalArgumentException("not a network address for /" + prefix);
    }
  }

  /**
   * Parses {@code a.b.c.d/n}. The address must be the network address (host bits zero), because
   * "10.244.1.5/24" is almost always a typo for a node's block or for a host address.
   *
   * @throws IllegalArgumentException with a message fit to show an operator
   */
  public static Cidr parse(String text) {
    if (text == null) {
      throw new IllegalArgumentException("missing CIDR");
    }
    int slash = text.indexOf('/');
    if (slash < 0) {
      throw new IllegalArgumentException("\"" + text + "\" is not a CIDR (expected a.b.c.d/n)");
    }
    long addr = parseAddress(text.substring(0, slash));
    String p = text.substring(slash + 1);
    if (p.isEmpty() || p.length() > 2 || !p.chars().allMatch(c -> c >= '0' && c <= '9')) {
      throw new IllegalArgumentException("\"" + text + "\" has no valid prefix length");
    }
    int prefix = Integer.parseInt(p);
    if (prefix > 32) {
      throw new IllegalArgumentException("\"" + text + "\": prefix length " + prefix + " > 32");
    }
    if ((addr & ~mask(prefix) & 0xFFFFFFFFL) != 0) {
      throw new IllegalArgumentException(
          "\""
              + text
              + "\" has host bits set; the network is "
              + format(addr & mask(prefix))
              + "/"
              + prefix);
    }
    return new Cidr(addr, prefix);
  }

  /** Parses a dotted-quad IPv4 address into an unsigned value. */
  public static long parseAddress(String text) {
    if (text == null || text.isEmpty() || text.length() > 15) {
      throw new IllegalArgumentException("\"" + text + "\" is not an IPv4 address");
    }
    long value = 0;
    int octets = 0;
    int i = 0;
    while (i <= text.length()) {
      int start = i;
      while (i < text.length() && text.charAt(i) >= '0' && text.charAt(i) <= '9') {
        i++;
      }
      int len = i - start;
      boolean leadingZero = len > 1 && text.charAt(start) == '0';
      if (len == 0 || len > 3 || leadingZero) {
        throw new IllegalArgumentException("\"" + text + "\" is not an IPv4 address");
      }
      int octet = Integer.parseInt(text.substring(start, i));
      if (octet > 255) {
        throw new IllegalArgumentException("\"" + text + "\" is not an IPv4 address");
      }
      value = (value << 8) | octet;
      octets++;
      if (i == text.length()) {
        break;
      }
      if (text.charAt(i) != '.' || octets == 4) {
        throw new IllegalArgumentException("\"" + text + "\" is not an IPv4 address");
      }
      i++;
    }
    if (octets != 4) {
      throw new IllegalArgumentException("\"" + text + "\" is not an IPv4 address");
    }
    return value;
  }

  public static boolean isAddress(String text) {
    try {
      parseAddress(text);
      return true;
    } catch (IllegalArgumentException e) {
      return false;
    }
  }

  public static String format(long addr) {
    return ((addr >> 24) & 255)
        + "."
        + ((addr >> 16) & 255)
        + "."
        + ((addr >> 8) & 255)
        + "."
        + (addr & 255);
  }

  static long mask(int prefix) {
    return prefix == 0 ? 0 : (0xFFFFFFFFL << (32 - prefix)) & 0xFFFFFFFFL;
  }

  /** Number of addresses in the block. */
  public long size() {
    return 1L << (32 - prefix);
  }

  /** The last address of the block. */
  public long last() {
    return base + size() - 1;
  }

  public boolean contains(long address) {
    return address >= base && address <= last();
  }

  /** True when {@code other} lies entirely inside this block. */
  public boolean contains(Cidr other) {
    return other.base >= base && other.last() <= last();
  }

  public boolean overlaps(Cidr other) {
    return base <= other.last() && other.base <= last();
  }

  /**
   * The first block of prefix length {@code mask} inside this block that overlaps none of {@code
   * taken}, scanning upwards from the start. Taken blocks may have any size and may lie partly
   * outside. Runs in O(taken log taken), never walks every candidate, so /8 networks cost nothing.
   */
  public Optional<Cidr> firstFree(int mask, Collection<Cidr> taken) {
    if (mask < prefix || mask > 32) {
      throw new IllegalArgumentException(
          "per-node mask /" + mask + " does not fit inside /" + prefix);
    }
    List<Cidr> sorted = new ArrayList<>(taken);
    sorted.sort(Comparator.comparingLong(Cidr::base));
    long step = 1L << (32 - mask);
    long candidate = base;
    for (Cidr t : sorted) {
      if (candidate > last()) {
        break;
      }
      if (t.last() < candidate) {
        continue;
      }
      if (t.base > candidate + step - 1) {
        break; // a gap of at least one block before t
      }
      // t overlaps the candidate: move past t, to the next block boundary.
      long next = t.last() + 1;
      candidate = ((next + step - 1) / step) * step;
    }
    if (candidate + step - 1 > last()) {
      return Optional.empty();
    }
    return Optional.of(new Cidr(candidate, mask));
  }

  @Override
  public String toString() {
    return format(base) + "/" + prefix;
  }
}

package dev.graft.workflows.upgrade;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A Kubernetes release version, {@code vMAJOR.MINOR.PATCH} (kubelet versions may carry a suffix
 * such as {@code +k3s1} or {@code -rc.1}: compared on the numbers only).
 */
public record KubeVersion(int major, int minor, int patch) implements Comparable<KubeVersion> {
  private static final Pattern FORM =
      Pattern.compile("v?(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,4})([-+][0-9A-Za-z.+-]{1,64})?");

  /** The version, or null when {@code text} is not one. */
  public static KubeVersion parse(String text) {
    if (text == null) {
      return null;
    }
    Matcher m = FORM.matcher(text.trim());
    if (!m.matches()) {
      return null;
    }
    return new KubeVersion(
        Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)), Integer.parseInt(m.group(3)));
  }

  /** Minors between this and {@code other} (positive when this is newer). */
  public int minorsAbove(KubeVersion other) {
    return major == other.major ? minor - other.minor : (major - other.major) * 100;
  }

  /** The Debian/RPM package version's upstream part, as pkgs.k8s.io names it: {@code 1.31.0}. */
  public String upstream() {
    return major + "." + minor + "." + patch;
  }

  @Override
  public int compareTo(KubeVersion o) {
    return major != o.major
        ? Integer.compare(major, o.major)
        : minor != o.minor ? Integer.compare(minor, o.minor) : Integer.compare(patch, o.patch);
  }

  @Override
  public String toString() {
    return "v" + upstream();
  }
}

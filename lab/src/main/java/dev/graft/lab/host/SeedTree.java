package dev.graft.lab.host;

import dev.graft.lab.HostSetup;
import dev.graft.lab.LabKind;
import dev.graft.lab.Names;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Set;

/**
 * A directory that mirrors a host's file system: {@code /usr/local/bin/x} lives at {@code
 * base/usr/local/bin/x}. For a netns host the base is a seed tree that the host's init copies over
 * its root (through the overlays) before sshd starts; for an in-process host the base is the
 * sandbox itself. Directories get the mode of the machine's directory of the same path, so copying
 * the seed over / never loosens /root or /etc/ssh.
 */
public final class SeedTree extends HostIdentity implements HostSetup {
  private final LabKind kind;
  private final String labAddress;
  private final Path stateDir;
  private final Path base;
  private final String rootPrefix;
  private final List<String> writableRoots;

  /** The trees a netns host owns (overlays and tmpfs); anything else is the machine's. */
  public static final List<String> NETNS_ROOTS =
      List.of("/etc/", "/var/", "/root/", "/opt/", "/usr/local/", "/run/", "/tmp/");

  public SeedTree(
      String name,
      int index,
      String address,
      List<String> roles,
      LabKind kind,
      String labAddress,
      Path stateDir,
      Path base,
      String rootPrefix,
      List<String> writableRoots) {
    super(name, index, address, roles);
    this.writableRoots = writableRoots;
    this.kind = kind;
    this.labAddress = labAddress;
    this.stateDir = stateDir;
    this.base = base;
    this.rootPrefix = rootPrefix;
  }

  @Override
  public LabKind kind() {
    return kind;
  }

  @Override
  public String labAddress() {
    return labAddress;
  }

  @Override
  public Path stateDir() {
    return stateDir;
  }

  @Override
  public String rootPrefix() {
    return rootPrefix;
  }

  public Path base() {
    return base;
  }

  /** The seed path of an absolute host path. */
  public Path resolve(String absPath) {
    Names.absPath("host path", absPath);
    return base.resolve(absPath.substring(1));
  }

  @Override
  public void writeFile(String absPath, byte[] content, int mode) throws IOException {
    Path target = resolve(absPath);
    if (writableRoots != null && writableRoots.stream().noneMatch(absPath::startsWith)) {
      throw new IllegalArgumentException(
          "host " + name() + ": " + absPath + " is outside the host's own trees " + writableRoots);
    }
    mkdirs(target.getParent());
    Files.write(target, content);
    Files.setPosixFilePermissions(target, perms(mode));
  }

  /** Creates the seed directories for {@code dir}, each with its real counterpart's mode. */
  public void mkdirs(Path dir) throws IOException {
    if (dir.equals(base) || Files.isDirectory(dir)) {
      return;
    }
    mkdirs(dir.getParent());
    Files.createDirectory(dir);
    Path real = Path.of("/").resolve(base.relativize(dir).toString());
    if (Files.isDirectory(real, LinkOption.NOFOLLOW_LINKS)) {
      Files.setPosixFilePermissions(dir, Files.getPosixFilePermissions(real));
    } else {
      Files.setPosixFilePermissions(dir, perms(0755));
    }
  }

  static Set<PosixFilePermission> perms(int mode) {
    StringBuilder sb = new StringBuilder();
    String rwx = "rwxrwxrwx";
    for (int i = 0; i < 9; i++) {
      sb.append((mode & (1 << (8 - i))) != 0 ? rwx.charAt(i) : '-');
    }
    return PosixFilePermissions.fromString(sb.toString());
  }
}

package dev.graft.lab;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

/**
 * What a {@link HostCustomizer} sees of a host that is about to start: its identity and a way to
 * place files into it. Files written here appear at their absolute path inside the host when it
 * starts (netns: copied through the host's overlay after it is mounted and before sshd starts;
 * in-process: under the sandbox). Any path works, including /run and /tmp.
 */
public interface HostSetup {
  String name();

  int index();

  String address();

  List<String> roles();

  LabKind kind();

  /** The lab's address as the host sees it: the bridge address (netns) or 127.0.0.1. */
  String labAddress();

  /** The lab's state directory (on the real machine; not visible inside a netns host's /tmp). */
  Path stateDir();

  /**
   * The prefix a script must put before absolute paths to reach this host's files: "" for netns
   * hosts, the sandbox directory for in-process hosts. Inside a host it is $GRAFT_LAB_ROOT.
   */
  String rootPrefix();

  /** Places a file at {@code absPath} inside the host with the given POSIX mode (e.g. 0755). */
  void writeFile(String absPath, byte[] content, int mode) throws IOException;

  default void writeFile(String absPath, String content, int mode) throws IOException {
    writeFile(absPath, content.getBytes(StandardCharsets.UTF_8), mode);
  }
}

package dev.graft.lab;

import java.io.IOException;

/**
 * A hook that runs for each host before it starts (after its directories exist, before sshd
 * listens): the stand-ins place their scripts at /usr/local/bin here. Called from several threads,
 * once per host.
 */
@FunctionalInterface
public interface HostCustomizer {
  void customize(HostSetup host) throws IOException;
}

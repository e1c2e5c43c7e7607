package dev.graft.server.cli;

import io.dropwizard.core.cli.Command;
import java.util.Optional;

/**
 * The {@code lab} command, when this build has it. The production image is built with {@code
 * -Pno-lab} (server/pom.xml): no lab module and no {@code dev.graft.server.cli.lab} package in the
 * jar, so no stand-ins and no mock API server where real clusters are changed. That build does not
 * list {@code lab}; asked for it anyway, it prints {@link #ABSENT}. Found by name, because a
 * compile-time reference would pull the lab back in.
 */
public final class OptionalLab {
  static final String COMMAND_CLASS = "dev.graft.server.cli.lab.LabCommand";

  /** What {@code graft lab} says in a build without the lab. */
  public static final String ABSENT =
      "graft lab: this build of Graft has no lab (the production image is built without it, with -Pno-lab);"
          + " run ./graft lab from a checkout of Graft";

  private OptionalLab() {}

  /** The lab command of this build, or empty when it was built without the lab. */
  public static Optional<Command> command() {
    return command(COMMAND_CLASS);
  }

  static Optional<Command> command(String className) {
    Class<?> type;
    try {
      type = Class.forName(className);
    } catch (ClassNotFoundException absent) {
      return Optional.empty();
    }
    try {
      return Optional.of((Command) type.getDeclaredConstructor().newInstance());
    } catch (ReflectiveOperationException e) {
      // Present but unusable is a broken build, not a build without the lab: say so.
      throw new IllegalStateException("cannot create " + className, e);
    }
  }

  /** True when the arguments ask for {@code lab} and this build has none. */
  public static boolean askedForButAbsent(String[] args) {
    return args.length > 0 && args[0].equals("lab") && !present(COMMAND_CLASS);
  }

  static boolean present(String className) {
    try {
      Class.forName(className, false, OptionalLab.class.getClassLoader());
      return true;
    } catch (ClassNotFoundException absent) {
      return false;
    }
  }
}

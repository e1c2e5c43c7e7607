package dev.graft.server.cli;

import dev.graft.server.auth.Role;
import dev.graft.server.auth.TokenAuthenticator;
import io.dropwizard.core.cli.Command;
import io.dropwizard.core.setup.Bootstrap;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import net.sourceforge.argparse4j.impl.Arguments;
import net.sourceforge.argparse4j.inf.Namespace;
import net.sourceforge.argparse4j.inf.Subparser;

/**
 * {@code graft token --name alice --role operator}: mints an API token and prints the config entry
 * (name, role, SHA-256) to paste under {@code auth.tokens}. The token is shown once; the server
 * only ever stores its hash.
 */
public final class TokenCommand extends Command {
  public TokenCommand() {
    super("token", "Mint an API bearer token and print the auth.tokens entry that accepts it.");
  }

  @Override
  public void configure(Subparser subparser) {
    subparser
        .addArgument("--name")
        .required(true)
        .help("who the token belongs to (recorded as the actor)");
    subparser
        .addArgument("--role")
        .choices("viewer", "operator")
        .setDefault("viewer")
        .help("viewer: read only; operator: may start operations and decide (default: viewer)");
    subparser
        .addArgument("--hash-only")
        .action(Arguments.storeTrue())
        .help("read a token from standard input and print only its SHA-256");
  }

  @Override
  public void run(Bootstrap<?> bootstrap, Namespace namespace) throws Exception {
    if (namespace.getBoolean("hash_only")) {
      String token = new String(System.in.readAllBytes(), StandardCharsets.UTF_8).trim();
      System.out.println(TokenAuthenticator.sha256(token));
      return;
    }
    String name = namespace.getString("name");
    Role role = Role.parse(namespace.getString("role"));
    String token = TokenAuthenticator.newToken();
    System.out.println("token (shown once; give it to " + name + "):");
    System.out.println("  " + token);
    System.out.println();
    System.out.println("add to the server config under auth.tokens:");
    System.out.println(
        "  - {name: "
            + name
            + ", role: "
            + role.name().toLowerCase(Locale.ROOT)
            + ", sha256: "
            + TokenAuthenticator.sha256(token)
            + "}");
  }
}
